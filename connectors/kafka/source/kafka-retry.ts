import type { Logger } from 'pino';
import { retry, unreachableIn } from '../../../core/sdk';
import type { KafkaCluster } from '../internals';
import { fetchFailureAction, mapKafkaSourceError } from '../kafka-errors';

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
 * created, a lost connection), backs off (core/sdk retry: exponential, ±20 % jitter), refreshes the cluster's
 * metadata and tries again. A broker that cannot be reached (connection refused, timed out, a host that does not resolve)
 * is not retried here: kafkajs' connect retries did that already, and the engine's restart strategy owns what follows
 * (docs/design.md §3). OFFSET_OUT_OF_RANGE is thrown as it is (the caller names the position); other errors,
 * and the last retried one, are mapped to a `LockstepError`. `cancelled` settles when the caller closes, which stops
 * the retries (the last error is thrown) before anything reconnects.
 */
export async function withKafkaRetry<T>(
  cluster: KafkaCluster,
  action: string,
  call: () => Promise<T>,
  log: Logger,
  options: { readonly retry?: KafkaRetryOptions; readonly cancelled?: Promise<unknown> } = {},
): Promise<T> {
  const policy = options.retry ?? DEFAULT_KAFKA_RETRY;
  try {
    return await retry(
      async ({ attempt }) => {
        // a closed caller never gets here (the retries stop first): refreshing would open connections nobody closes
        if (attempt > 1) await refresh(cluster, log);
        return call();
      },
      {
        maxAttempts: policy.attempts,
        initialDelayMs: policy.initialBackoffMs,
        maxDelayMs: policy.maxBackoffMs,
        jitter: 0.2,
        until: options.cancelled,
        // a broker that cannot be reached at all was retried by kafkajs' own connect retries already: no second layer
        retryIf: (error) => fetchFailureAction(error) === 'refresh-and-retry' && unreachableIn(error) === undefined,
        onRetry: (error, attempt) => log.debug({ err: error, attempt, action }, 'kafka call failed; refreshing metadata and retrying'),
      },
    );
  } catch (error) {
    throw fetchFailureAction(error) === 'offset-out-of-range' ? error : mapKafkaSourceError(error, action);
  }
}

async function refresh(cluster: KafkaCluster, log: Logger): Promise<void> {
  try {
    await cluster.refreshMetadata();
  } catch (refreshError) {
    log.debug({ err: refreshError }, 'metadata refresh failed; retrying anyway');
  }
}
