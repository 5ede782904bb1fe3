export { LockstepError } from './lockstep-error';
export type { LockstepErrorOptions } from './lockstep-error';
export { RecordError } from './record-error';
export { ERROR_CODES, POSTGRES_SQLSTATE_FAMILY, errorCatalogue, errorFacts, postgresStateCode } from './error-codes';
export type { ErrorFacts, LockstepErrorCode, PostgresSqlStateCode, Retriability } from './error-codes';
export { factsOf, fatalErrorIn, isRetriable } from './error-classification';
export { failureOriginOf, tagFailureOrigin } from './failure-origin';
export type { FailureOrigin } from './failure-origin';
