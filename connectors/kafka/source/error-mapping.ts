import { LockstepError, type LockstepErrorCode } from '../../../core/sdk';
import { isRetriableKafkaError, kafkaErrorType } from '../internals/cluster';

/** Protocol errors after which the partition's leader must be looked up again (stale metadata, a re-election). */
const LEADER_MOVED = new Set([
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'REPLICA_NOT_AVAILABLE',
  'KAFKA_STORAGE_ERROR',
  'OFFSET_NOT_AVAILABLE',
]);

/** kafkajs client-side errors (no protocol `type`) that a reconnect may clear. */
const CONNECTION_ERRORS = new Set([
  'KafkaJSBrokerNotFound',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSLockTimeout',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSNumberOfRetriesExceeded',
]);

const AUTH_ERRORS = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_SASL_MECHANISM',
]);

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** What the reader does about a failed fetch or offset lookup. */
export type FetchFailureAction = 'offset-out-of-range' | 'refresh-and-retry' | 'fail';

/** Sorts a kafkajs error of a fetch or offset lookup: leader moves and lost connections are retried after a refresh. */
export function fetchFailureAction(error: unknown): FetchFailureAction {
  const type = kafkaErrorType(error);
  if (type === 'OFFSET_OUT_OF_RANGE' || errorName(error) === 'KafkaJSOffsetOutOfRange') return 'offset-out-of-range';
  if (type !== undefined && LEADER_MOVED.has(type)) return 'refresh-and-retry';
  const name = errorName(error);
  if (name !== undefined && CONNECTION_ERRORS.has(name)) return 'refresh-and-retry';
  if (type !== undefined && AUTH_ERRORS.has(type)) return 'fail';
  return isRetriableKafkaError(error) ? 'refresh-and-retry' : 'fail';
}

/** The error for a fetch position the broker no longer (or not yet) has: deleted by retention, or a truncated log. */
export function offsetOutOfRange(topic: string, partition: number, offset: number, cause: unknown): LockstepError {
  return new LockstepError(
    `${topic}/${partition} has no offset ${offset} (deleted by retention, or the topic was recreated): ` +
      'the checkpointed position cannot be read. Start the pipeline afresh (without its checkpoints) or with startFrom offsets',
    { code: 'LS_KAFKA_OFFSET_OUT_OF_RANGE', cause, context: { topic, partition, offset } },
  );
}

/**
 * Maps a kafkajs error to a `LockstepError`: `LS_KAFKA_AUTH` for authentication and authorization failures,
 * `LS_KAFKA_CONNECTION` (retriable) for lost brokers and timeouts, `LS_KAFKA_ERROR` for the rest (retriable when
 * kafkajs says so). `action` says what was being done (`fetch orders/2`, `list topics`).
 */
export function mapKafkaSourceError(error: unknown, action: string, context: Record<string, string | number | undefined> = {}): LockstepError {
  if (LockstepError.is(error)) return error;
  const type = kafkaErrorType(error);
  const name = errorName(error);
  const reason = error instanceof Error ? error.message : String(error);
  let code: LockstepErrorCode = 'LS_KAFKA_ERROR';
  let retriable = isRetriableKafkaError(error);
  if (type !== undefined && AUTH_ERRORS.has(type)) {
    code = 'LS_KAFKA_AUTH';
    retriable = false;
  } else if ((name !== undefined && CONNECTION_ERRORS.has(name)) || (type !== undefined && LEADER_MOVED.has(type))) {
    code = 'LS_KAFKA_CONNECTION';
    retriable = true;
  }
  return new LockstepError(`kafka source cannot ${action}: ${reason}`, {
    code,
    retriable,
    cause: error,
    context: { ...context, kafkaError: type ?? name },
  });
}
