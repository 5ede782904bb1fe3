import type { Logger } from 'pino';
import { delayOrUntil } from '../../../core/sdk';
import type { KafkaCluster } from '../internals/cluster';
import { fetchFailureAction, mapKafkaSourceError } from './error-mapping';

/** How the Kafka source retries a call that failed because a leader moved or a broker went away. */
export interface KafkaRetryOptions {
  /** Attempts before giving up (the error is then retriable: the engine's restart strategy takes over). */
  readonly attempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

export const DEFAULT_KAFKA_RETRY: KafkaRetryOptions = { attempts: 8, initialBackoffMs: 100, maxBackoffMs: 3_000 };

/**
 * Runs `call`; when it fails with an error after which metadata may be stale (NOT_LEADER, an unknown partition just
 * created, a lost connection), refreshes the cluster's metadata, backs off (exponentially, with jitter) and tries
 * again. OFFSET_OUT_OF_RANGE is thrown as it is (the caller names the position); other errors, and the last retried
 * one, are mapped to a `LockstepError`. `cancelled` settles when the caller closes, which stops the retries (the last
 * error is thrown).
 */
export async function withKafkaRetry<T>(
  cluster: KafkaCluster,
  action: string,
  call: () => Promise<T>,
  log: Logger,
  options: { readonly retry?: KafkaRetryOptions; readonly cancelled?: Promise<unknown> } = {},
): Promise<T> {
  const retry = options.retry ?? DEFAULT_KAFKA_RETRY;
  let cancelled = false;
  void options.cancelled?.then(() => (cancelled = true));
  let backoff = retry.initialBackoffMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const kind = fetchFailureAction(error);
      if (kind === 'offset-out-of-range') throw error;
      if (kind === 'fail' || attempt >= retry.attempts) throw mapKafkaSourceError(error, action);
      log.debug({ err: error, attempt, action }, 'kafka call failed; refreshing metadata and retrying');
      await delayOrUntil(backoff * (0.8 + Math.random() * 0.4), options.cancelled ?? new Promise(() => undefined));
      // a closed caller must not reconnect: refreshing metadata would open connections nobody closes
      if (cancelled) throw mapKafkaSourceError(error, action);
      backoff = Math.min(retry.maxBackoffMs, backoff * 2);
      try {
        await cluster.refreshMetadata();
      } catch (refreshError) {
        log.debug({ err: refreshError }, 'metadata refresh failed; retrying anyway');
      }
    }
  }
}
