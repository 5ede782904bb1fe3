/**
 * The one Kinesis error mapping of lockstep: what an AWS SDK error (a service exception's `name`, its HTTP status,
 * or a network error's code) means, and the `LockstepError` it becomes.
 */
import { LockstepError, type LockstepErrorCode } from '../../core/sdk';

/**
 * What a Kinesis error means for the caller:
 * - `throttled`: over the shard's or the account's limits: back off and call again;
 * - `iterator-expired`: a shard iterator older than 5 minutes: get a new one from the last position;
 * - `not-found`, `not-ready`, `access`, `invalid`: as the codes say;
 * - `transient`: connection, timeout or 5xx: call again;
 * - `other`: anything else (not retried by the caller).
 */
export type KinesisErrorClass = 'throttled' | 'iterator-expired' | 'not-found' | 'not-ready' | 'access' | 'invalid' | 'transient' | 'other';

const BY_NAME: Readonly<Record<string, KinesisErrorClass>> = {
  ProvisionedThroughputExceededException: 'throttled',
  LimitExceededException: 'throttled',
  ThrottlingException: 'throttled',
  KMSThrottlingException: 'throttled',
  ExpiredIteratorException: 'iterator-expired',
  ResourceNotFoundException: 'not-found',
  ResourceInUseException: 'not-ready',
  AccessDeniedException: 'access',
  UnrecognizedClientException: 'access',
  ExpiredTokenException: 'access',
  InvalidSignatureException: 'access',
  KMSAccessDeniedException: 'access',
  InvalidArgumentException: 'invalid',
  ValidationException: 'invalid',
  ExpiredNextTokenException: 'invalid',
  InternalFailureException: 'transient',
  ServiceUnavailable: 'transient',
  KMSUnavailableException: 'transient',
};

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'TimeoutError']);

const CODE_OF: Readonly<Record<KinesisErrorClass, LockstepErrorCode>> = {
  throttled: 'LS_KINESIS_THROTTLED',
  'iterator-expired': 'LS_KINESIS_REQUEST_FAILED',
  'not-found': 'LS_KINESIS_STREAM_NOT_FOUND',
  'not-ready': 'LS_KINESIS_STREAM_NOT_READY',
  access: 'LS_KINESIS_ACCESS_DENIED',
  invalid: 'LS_KINESIS_INVALID_REQUEST',
  transient: 'LS_KINESIS_REQUEST_FAILED',
  other: 'LS_KINESIS_REQUEST_FAILED',
};

/** The class of an AWS SDK (or network) error. */
export function classifyKinesisError(error: unknown): KinesisErrorClass {
  if (typeof error !== 'object' || error === null) return 'other';
  const { name, code } = error as { name?: unknown; code?: unknown };
  if (typeof name === 'string' && BY_NAME[name] !== undefined) return BY_NAME[name];
  if ((typeof code === 'string' && NETWORK_CODES.has(code)) || (typeof name === 'string' && NETWORK_CODES.has(name))) return 'transient';
  const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500) return 'transient';
  if (status === 429) return 'throttled';
  return 'other';
}

/** Whether calling again (after a backoff) may succeed. */
export function isRetriableKinesisError(error: unknown): boolean {
  const kind = classifyKinesisError(error);
  return kind === 'throttled' || kind === 'transient' || kind === 'iterator-expired' || kind === 'not-ready';
}

/**
 * `error` as a `LockstepError` naming what lockstep was doing (`what`: "GetRecords on shardId-000000000001 of
 * orders"); a `LockstepError` is returned as it is.
 */
export function mapKinesisError(error: unknown, what: string): LockstepError {
  if (error instanceof LockstepError) return error;
  const kind = classifyKinesisError(error);
  const name = typeof error === 'object' && error !== null ? String((error as { name?: unknown }).name ?? 'Error') : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return new LockstepError(`kinesis: ${what} failed: ${name}: ${message}`, {
    code: CODE_OF[kind],
    cause: error,
    context: { awsError: name },
  });
}
