/**
 * The connector SDK: the one import path for connectors (built-in or in their own npm package). Connectors import
 * nothing else from `core/` (tests may also use `core/testing`, the conformance kit); eslint enforces it.
 */
export * from '../api';
export { ERROR_CODES, errorFacts, LockstepError, postgresStateCode, RecordError } from '../errors';
export type { ErrorFacts, LockstepErrorCode, LockstepErrorOptions } from '../errors';
export { asObject, invalidState, naturalField, stringField, unknownStateVersion } from './state-format';
export { AvailabilitySignal, WakeSignal } from './signal';
export { SourceReaderBase } from './source-reader-base';
export { delayOrUntil } from './delay';
export { RateLimiter } from './rate-limiter';
export { backoffDelayMs, pollUntil, retry, retryDefaults, RETRY_DEFAULTS, TEST_RETRY_DEFAULTS } from './retry';
export type { BackoffPolicy, RetryClock, RetryContext, RetryOptions } from './retry';
export { unreachableIn } from './unreachable';
export type { Unreachable } from './unreachable';
