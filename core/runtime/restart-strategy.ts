import type { RestartConfig } from '../config/pipeline-config';
import { backoffDelayMs, type BackoffPolicy } from '../sdk/retry';
import { unreachableIn } from '../sdk/unreachable';
import { probeTarget } from './restart-wait';

/** The pipeline's `restart` settings as a backoff policy of the shared retry module (core/sdk/retry.ts). */
export function restartBackoff(config: RestartConfig): BackoffPolicy {
  return { initialDelayMs: config.initialBackoffMs, maxDelayMs: config.maxBackoffMs, jitter: config.jitter };
}

/** The wait before restart number `attempt` (1-based): {@link backoffDelayMs} of {@link restartBackoff}. */
export function restartDelayMs(config: RestartConfig, attempt: number, random: () => number = Math.random): number {
  return backoffDelayMs(restartBackoff(config), attempt, random);
}

/**
 * Why a failure before the pipeline's first completed checkpoint in this process must not be retried, or undefined:
 * a host name that does not resolve fails at once; a service that cannot be reached fails once the next restart
 * would start after `startupDeadlineMs` (counted from the first start). After a checkpoint completed, restarts keep
 * their backoff up to `maxAttempts` (a service gone for a while is expected to come back).
 */
export function startupFailure(error: unknown, config: RestartConfig, elapsedMs: number, delayMs: number): string | undefined {
  const unreachable = unreachableIn(error);
  if (unreachable === undefined) return undefined;
  if (unreachable.unknownHost) return `host ${unreachable.address} does not resolve: ${unreachable.message}`;
  const deadline = config.startupDeadlineMs;
  if (deadline === undefined || elapsedMs + delayMs <= deadline) return undefined;
  return `cannot reach ${unreachable.address} within ${seconds(deadline)} s: ${unreachable.message}`;
}

/**
 * One line for a restart after a failure to reach a service, or undefined for other failures. A `host:port` is
 * probed while the restart waits (waitBeforeRestart, restart-wait.ts): the line says the restart comes sooner once it answers.
 */
export function unreachableRestartLine(error: unknown, attempt: number, config: RestartConfig, delayMs: number): string | undefined {
  const unreachable = unreachableIn(error);
  if (unreachable === undefined) return undefined;
  const sooner = probeTarget(error) === undefined ? '' : ', or as soon as it accepts connections';
  return `${unreachable.message}: cannot reach ${unreachable.address}; restart ${attempt}/${config.maxAttempts} in ${seconds(delayMs)} s${sooner}`;
}

function seconds(ms: number): string {
  return (Math.round(ms / 100) / 10).toString();
}
