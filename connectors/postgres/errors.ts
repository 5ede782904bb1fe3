import { LockstepError, postgresStateCode } from '../../core/sdk';

/**
 * SQLSTATE classification shared by the Postgres connectors (https://www.postgresql.org/docs/current/errcodes-appendix.html).
 * Retriable: the same statement may succeed on a new attempt (a restart from the last checkpoint). Data errors: the
 * statement fails for what it writes, so it fails the same way every time: a bad record, not a retry.
 */

/** Retriable SQLSTATEs outside class 08 (connection exceptions, all retriable). */
const RETRIABLE_STATES: ReadonlySet<string> = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '55P03', // lock_not_available
  '57014', // query_canceled (statement_timeout, pg_cancel_backend)
]);

/** Node errors of a lost or refused connection, before any SQLSTATE. */
const RETRIABLE_NODE_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** The SQLSTATE of a node-postgres error, undefined for other errors. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** True for failures a new attempt may not hit: lost connections, serialization failures, deadlocks, shutdowns. */
export function isRetriablePostgresError(error: unknown): boolean {
  const state = sqlState(error);
  if (state !== undefined) return state.startsWith('08') || RETRIABLE_STATES.has(state);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && RETRIABLE_NODE_CODES.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(message);
}

/**
 * True for errors caused by the data a statement writes: class 22 (data exceptions: bad input syntax, out of range,
 * too long), class 23 (integrity constraints: not null, unique, foreign key, check) and 42703 (undefined column).
 */
export function isPostgresDataError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23') || state === '42703');
}

/**
 * A LockstepError for a failed Postgres operation: `LS_POSTGRES_<SQLSTATE>` (or `LS_POSTGRES_CONNECTION` without
 * one), retriable per {@link isRetriablePostgresError}, the driver's error as cause.
 */
export function postgresError(error: unknown, what: string, context: Readonly<Record<string, string | number | undefined>> = {}): LockstepError {
  if (LockstepError.is(error)) return error;
  const state = sqlState(error);
  const message = error instanceof Error ? error.message : String(error);
  return new LockstepError(`${what}: ${message}${state === undefined ? '' : ` (SQLSTATE ${state})`}`, {
    code: state === undefined ? 'LS_POSTGRES_CONNECTION' : postgresStateCode(state),
    retriable: isRetriablePostgresError(error),
    cause: error,
    context: { ...context, sqlState: state },
  });
}
