import type { RestartConfig } from '../config/pipeline-config';

/**
 * Exponential backoff with jitter, capped: the delay before restart number `attempt` (1-based) is
 * `min(maxBackoff, initialBackoff · 2^(attempt-1))`, multiplied by a random factor in [1 - jitter, 1 + jitter].
 */
export function restartDelayMs(config: RestartConfig, attempt: number, random: () => number = Math.random): number {
  const exponential = config.initialBackoffMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(config.maxBackoffMs, exponential);
  const factor = 1 + config.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(capped * factor));
}
