/**
 * The one Kafka error mapping of lockstep: what a kafkajs error (or one shaped like it by internals/) means, and the
 * `LockstepError` it becomes. kafkajs errors carry a protocol `type` (`NOT_LEADER_FOR_PARTITION`…), a Kafka `code`,
 * a class `name` (`KafkaJSConnectionError`…) and a `retriable` flag; kafkajs 2.2 predates some codes
 * (PRODUCER_FENCED is 90), so those are matched by number.
 */
import { LockstepError, type LockstepErrorCode } from '../../core/sdk';

/** Kafka error codes lockstep tells apart by number. */
export const KAFKA_ERROR = {
  OFFSET_OUT_OF_RANGE: 1,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  NOT_LEADER_FOR_PARTITION: 6,
  REPLICA_NOT_AVAILABLE: 9,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49,
  CONCURRENT_TRANSACTIONS: 51,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  PRODUCER_FENCED: 90,
  TRANSACTIONAL_ID_NOT_FOUND: 105,
} as const;

/**
 * What a Kafka error means for the caller:
 * - `offset-out-of-range`: the position asked for is gone (retention) or not there yet;
 * - `fenced`: a newer producer took the transactional id (or the epoch is old);
 * - `transaction-lost`: the transaction or its id no longer exists in a state that can be finished;
 * - `too-large`: a message or batch over the broker's limits (retrying cannot help);
 * - `sequence`: an idempotent producer's sequence numbers are out of step with the broker's (a new producer mends it);
 * - `auth`: authentication or authorization refused;
 * - `leader-moved`: stale metadata (leader re-elected, partition just created): refresh and retry;
 * - `coordinator-busy`: the transaction or group coordinator is loading, moving or finishing a commit: retry;
 * - `connection`: a lost connection or request timeout: retry;
 * - `client-state`: kafkajs' client-side metadata or lock state (broker not found, metadata not loaded, its own
 *   retries spent): refresh and retry;
 * - `retriable` / `fatal`: anything else, as kafkajs flags it.
 */
export type KafkaErrorClass =
  | 'offset-out-of-range'
  | 'fenced'
  | 'transaction-lost'
  | 'too-large'
  | 'sequence'
  | 'auth'
  | 'leader-moved'
  | 'coordinator-busy'
  | 'connection'
  | 'client-state'
  | 'retriable'
  | 'fatal';

const FENCED_CODES: ReadonlySet<number> = new Set([KAFKA_ERROR.INVALID_PRODUCER_EPOCH, KAFKA_ERROR.PRODUCER_FENCED]);
const LOST_CODES: ReadonlySet<number> = new Set([
  KAFKA_ERROR.INVALID_TXN_STATE,
  KAFKA_ERROR.INVALID_PRODUCER_ID_MAPPING,
  KAFKA_ERROR.TRANSACTIONAL_ID_NOT_FOUND,
]);

const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

const SEQUENCE = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID']);

const AUTH = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_SASL_MECHANISM',
]);

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

const COORDINATOR_BUSY = new Set([
  'CONCURRENT_TRANSACTIONS',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'GROUP_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'NOT_COORDINATOR_FOR_GROUP',
  'REQUEST_TIMED_OUT',
]);

const CONNECTION = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError']);

const CLIENT_STATE = new Set([
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSNumberOfRetriesExceeded',
]);

/** The kafkajs protocol error type (`PRODUCER_FENCED`, `INVALID_TXN_STATE`, …) of an error, if it is one. */
function kafkaErrorType(error: unknown): string | undefined {
  const type = (error as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : undefined;
}

/** The Kafka error code of a kafkajs protocol error, if it carries one. */
function kafkaErrorCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Whether kafkajs marked the error retriable. */
export function isRetriableKafkaError(error: unknown): boolean {
  return (error as { retriable?: unknown } | null)?.retriable === true;
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/**
 * The error type of `error` or of one of its causes that is one of `types`: kafkajs' retrier wraps a protocol error
 * it does not retry in a KafkaJSNonRetriableError whose `cause` holds it.
 */
function typeInCauses(error: unknown, types: ReadonlySet<string>): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth += 1) {
    const type = kafkaErrorType(current);
    if (type !== undefined && types.has(type)) return type;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const tooLargeType = (error: unknown): string | undefined => typeInCauses(error, TOO_LARGE);

/** Sorts a Kafka error into a {@link KafkaErrorClass}. */
export function classifyKafkaError(error: unknown): KafkaErrorClass {
  const type = kafkaErrorType(error);
  const code = kafkaErrorCode(error);
  const name = errorName(error);
  if (type === 'OFFSET_OUT_OF_RANGE' || name === 'KafkaJSOffsetOutOfRange') return 'offset-out-of-range';
  if (code !== undefined && FENCED_CODES.has(code)) return 'fenced';
  if (code !== undefined && LOST_CODES.has(code)) return 'transaction-lost';
  if (tooLargeType(error) !== undefined) return 'too-large';
  if (typeInCauses(error, SEQUENCE) !== undefined) return 'sequence';
  if (type !== undefined && AUTH.has(type)) return 'auth';
  if (type !== undefined && LEADER_MOVED.has(type)) return 'leader-moved';
  if (type !== undefined && COORDINATOR_BUSY.has(type)) return 'coordinator-busy';
  if (name !== undefined && CONNECTION.has(name)) return 'connection';
  if (name !== undefined && CLIENT_STATE.has(name)) return 'client-state';
  return isRetriableKafkaError(error) ? 'retriable' : 'fatal';
}

/** Whether a transaction-coordinator error goes away by itself (commit in progress, coordinator moving, lost connection). */
export function isTransientCoordinatorError(error: unknown): boolean {
  const kind = classifyKafkaError(error);
  return kind === 'coordinator-busy' || kind === 'connection';
}

/** What a reader does about a failed fetch, offset lookup or metadata call. */
export type FetchFailureAction = 'offset-out-of-range' | 'refresh-and-retry' | 'fail';

/** Leader moves, lost connections and kafkajs' client-side state are retried after a metadata refresh. */
export function fetchFailureAction(error: unknown): FetchFailureAction {
  const kind = classifyKafkaError(error);
  if (kind === 'offset-out-of-range') return kind;
  if (kind === 'leader-moved' || kind === 'connection' || kind === 'client-state') return 'refresh-and-retry';
  if (kind === 'auth') return 'fail';
  return isRetriableKafkaError(error) ? 'refresh-and-retry' : 'fail';
}

/** Kafka error types of Fetch partition codes (for partitions kafkajs' response parser did not throw for). */
const FETCH_PARTITION_ERRORS: Readonly<Record<number, string>> = {
  [KAFKA_ERROR.OFFSET_OUT_OF_RANGE]: 'OFFSET_OUT_OF_RANGE',
  [KAFKA_ERROR.UNKNOWN_TOPIC_OR_PARTITION]: 'UNKNOWN_TOPIC_OR_PARTITION',
  [KAFKA_ERROR.NOT_LEADER_FOR_PARTITION]: 'NOT_LEADER_FOR_PARTITION',
  [KAFKA_ERROR.REPLICA_NOT_AVAILABLE]: 'REPLICA_NOT_AVAILABLE',
  [KAFKA_ERROR.FENCED_LEADER_EPOCH]: 'FENCED_LEADER_EPOCH',
  [KAFKA_ERROR.UNKNOWN_LEADER_EPOCH]: 'UNKNOWN_LEADER_EPOCH',
};

/** An error shaped like kafkajs' (`type`, `code`, `retriable`, plus `extra`) for a Fetch partition's error code. */
export function fetchPartitionError(code: number, message: (type: string) => string, extra: Record<string, unknown>): Error {
  const known = FETCH_PARTITION_ERRORS[code];
  const type = known ?? `KAFKA_ERROR_${code}`;
  return Object.assign(new Error(message(type)), { type, code, retriable: code !== KAFKA_ERROR.OFFSET_OUT_OF_RANGE && known !== undefined, ...extra });
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
 * The error for a produce request the broker refused as too large (`too-large`): not retriable, since sending the
 * same records again fails the same way. `batch` says what was sent (records, origins, topics and the limits read at
 * start).
 */
export function messageTooLarge(cause: unknown, batch: string): LockstepError {
  const type = tooLargeType(cause) ?? 'MESSAGE_TOO_LARGE';
  return new LockstepError(
    `kafka broker refused ${batch} as too large (${type}); retrying cannot help: raise the topic's max.message.bytes ` +
      '(the broker\'s message.max.bytes for new topics) or write smaller records',
    { code: 'LS_KAFKA_MESSAGE_TOO_LARGE', retriable: false, cause, context: { kafkaError: type } },
  );
}

/**
 * The error for a produce request the broker refused for its producer sequence numbers (`sequence`): the producer's
 * state is out of step with the broker's, which no retry by the same producer mends. Retriable: the restart replays
 * from the last checkpoint with a new producer (at-least-once: records after the checkpoint may be written twice;
 * exactly-once: the open transaction is aborted).
 */
export function producerOutOfSequence(cause: unknown, batch: string): LockstepError {
  const type = typeInCauses(cause, SEQUENCE) ?? 'OUT_OF_ORDER_SEQUENCE_NUMBER';
  return new LockstepError(
    `kafka broker refused ${batch} for its producer sequence numbers (${type}); the producer's state is out of step ` +
      'with the broker\'s: restarting from the last checkpoint with a new producer',
    { code: 'LS_KAFKA_ERROR', retriable: true, cause, context: { kafkaError: type } },
  );
}

/**
 * Maps a kafkajs error of the source to a `LockstepError`: `LS_KAFKA_AUTH` for authentication and authorization
 * failures, `LS_KAFKA_CONNECTION` (retriable) for lost brokers, timeouts and moved leaders, `LS_KAFKA_ERROR` for the
 * rest (retriable when kafkajs says so). `action` says what was being done (`fetch orders/2`, `list topics`).
 */
export function mapKafkaSourceError(error: unknown, action: string, context: Record<string, string | number | undefined> = {}): LockstepError {
  if (LockstepError.is(error)) return error;
  const kind = classifyKafkaError(error);
  const reason = error instanceof Error ? error.message : String(error);
  let code: LockstepErrorCode = 'LS_KAFKA_ERROR';
  let retriable = isRetriableKafkaError(error);
  if (kind === 'auth') {
    code = 'LS_KAFKA_AUTH';
    retriable = false;
  } else if (kind === 'connection' || kind === 'client-state' || kind === 'leader-moved') {
    code = 'LS_KAFKA_CONNECTION';
    retriable = true;
  }
  return new LockstepError(`kafka source cannot ${action}: ${reason}`, {
    code,
    retriable,
    cause: error,
    context: { ...context, kafkaError: kafkaErrorType(error) ?? errorName(error) },
  });
}
