import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { Logger } from 'pino';
import { LockstepError, retry } from '../../../core/sdk';
import { streamReference } from '../kinesis-client';
import { isRetriableKinesisError, mapKinesisError } from '../kinesis-errors';
import type { PutEntry } from './put-entry-encoding';

/** How a batch is retried. */
export interface PutRetryPolicy {
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/** Entry error codes that a later call may get past (PutRecords reports them per entry). */
const RETRIABLE_ENTRY_ERRORS = new Set(['ProvisionedThroughputExceededException', 'InternalFailure', 'KMSThrottlingException', 'KMSUnavailableException']);

/** Counters of what the puts did, for logs and tests. */
export interface PutCounters {
  calls: number;
  /** Entries the service refused and that were put again. */
  retriedEntries: number;
}

/**
 * Puts `entries` (at most 500, at most 5 MiB: the caller's batching) with PutRecords and returns once every entry was
 * acknowledged. Entries the service refused (throttled, internal failure) are put again — only those — with
 * exponential backoff and jitter, up to `maxAttempts` calls; a refused whole request is retried the same way when
 * it is transient. A retried entry may land after later entries of its partition key that succeeded at once.
 *
 * @throws LockstepError `LS_KINESIS_THROTTLED` / `LS_KINESIS_REQUEST_FAILED` when attempts ran out, or the mapped
 * error of a request that cannot succeed (stream missing, access denied).
 */
export async function putBatch(
  client: KinesisClient,
  stream: string,
  entries: readonly PutEntry[],
  policy: PutRetryPolicy,
  counters: PutCounters,
  log: Logger,
): Promise<void> {
  const what = `PutRecords into ${stream}`;
  let pending = entries;
  await retry(
    async ({ bail }) => {
      counters.calls += 1;
      let answer;
      try {
        answer = await client.send(
          new PutRecordsCommand({
            ...streamReference(stream),
            Records: pending.map((entry) => ({ PartitionKey: entry.PartitionKey, Data: entry.Data, ...(entry.ExplicitHashKey === undefined ? {} : { ExplicitHashKey: entry.ExplicitHashKey }) })),
          }),
        );
      } catch (error) {
        if (!isRetriableKinesisError(error)) bail(mapKinesisError(error, what));
        throw mapKinesisError(error, what);
      }
      const refused = pending.flatMap((entry, index) => {
        const code = answer.Records?.[index]?.ErrorCode;
        return code === undefined ? [] : [{ entry, code, message: answer.Records?.[index]?.ErrorMessage ?? '' }];
      });
      if (refused.length === 0) return;
      const fatal = refused.find((item) => !RETRIABLE_ENTRY_ERRORS.has(item.code));
      if (fatal !== undefined) bail(new LockstepError(`kinesis: ${what}: an entry was refused: ${fatal.code}: ${fatal.message}`, { code: 'LS_KINESIS_REQUEST_FAILED', retriable: false }));
      counters.retriedEntries += refused.length;
      pending = refused.map((item) => item.entry);
      const throttled = refused.every((item) => item.code === 'ProvisionedThroughputExceededException');
      throw new LockstepError(`kinesis: ${what}: ${refused.length} of ${entries.length} entries refused (${refused[0]?.code ?? ''})`, {
        code: throttled ? 'LS_KINESIS_THROTTLED' : 'LS_KINESIS_REQUEST_FAILED',
      });
    },
    {
      ...policy,
      retryIf: (error) => error instanceof LockstepError && error.retriable,
      onRetry: (error, attempt, delayMs) => log.debug({ err: error, attempt, delayMs }, 'kinesis PutRecords entries refused; putting them again'),
    },
  );
}
