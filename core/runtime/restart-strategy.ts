import type { RestartConfig } from '../config/pipeline-config';
import { backoffDelayMs, type BackoffPolicy } from '../sdk/retry';

/** The pipeline's `restart` settings as a backoff policy of the shared retry module (core/sdk/retry.ts). */
export function restartBackoff(config: RestartConfig): BackoffPolicy {
  return { initialDelayMs: config.initialBackoffMs, maxDelayMs: config.maxBackoffMs, jitter: config.jitter };
}

/** The wait before restart number `attempt` (1-based): {@link backoffDelayMs} of {@link restartBackoff}. */
export function restartDelayMs(config: RestartConfig, attempt: number, random: () => number = Math.random): number {
  return backoffDelayMs(restartBackoff(config), attempt, random);
}
