import { LockstepError } from '../../../core/sdk';
import { postgresError } from '../errors';

/**
 * Maps a node-postgres error of the table source to a `LockstepError` through the Postgres connectors' shared
 * classification (`LS_POSTGRES_<SQLSTATE>`, or `LS_POSTGRES_CONNECTION` without one; retriable for lost connections,
 * shutdowns, serialization failures and deadlocks). `action` says what was being done (`read orders`), `target` where
 * (never the password).
 */
export function mapPostgresSourceError(error: unknown, action: string, target: string): LockstepError {
  return postgresError(error, `postgres source cannot ${action} (${target})`, { target });
}

/** A config that names something the database does not have in the shape the source needs. */
export function postgresSourceConfigError(message: string, context: Record<string, string | undefined> = {}): LockstepError {
  return new LockstepError(`postgres source: ${message}`, { code: 'LS_CONFIG_INVALID', context });
}
