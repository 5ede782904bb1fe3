import { Client, type ClientConfig } from 'pg';
import type { Logger } from 'pino';
import { describePostgresTarget, resolvePostgresConnection, type PostgresConnectionOptions } from './connection-options';
import { postgresError } from './errors';

export {
  describePostgresTarget,
  resolvePostgresConnection,
  type PostgresConnectionOptions,
  type PostgresTargetOptions,
} from './connection-options';

/**
 * node-postgres client settings for `options` (see {@link resolvePostgresConnection}: the separate fields override the
 * url's parts); `applicationName` shows in `pg_stat_activity`.
 */
export function postgresClientConfig(
  options: PostgresConnectionOptions,
  applicationName: string,
  extra: { readonly replication?: 'database' } = {},
): ClientConfig {
  const config: ClientConfig = { ...resolvePostgresConnection(options), application_name: applicationName.slice(0, 63) };
  if (extra.replication !== undefined) (config as ClientConfig & { replication?: string }).replication = extra.replication;
  return config;
}

/**
 * Session settings under which Postgres prints values in the one text form lockstep's sources parse
 * (`postgresValueFromText`): UTC timestamps, ISO dates, hex bytea, floats with every digit (`extra_float_digits = 3`:
 * the shortest text that reads back as the same float, whatever the server's default).
 */
export const TEXT_SESSION_SETTINGS = "SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO, YMD'; SET bytea_output TO 'hex'; SET extra_float_digits TO 3";

/** node-postgres type parsers that keep every value as Postgres' text, for `postgresValueFromText` to convert. */
export const TEXT_TYPES = { getTypeParser: () => (text: string) => text };

/** What kind of session {@link connectPostgres} opens. */
export interface SessionKind {
  /** A logical replication connection (`replication=database`). */
  readonly replication?: 'database';
  /** Run {@link TEXT_SESSION_SETTINGS} first: the session's values are read as text and converted by lockstep. */
  readonly textSession?: boolean;
}

/**
 * A connected client. Errors emitted while idle (the server closed the connection) are logged instead of crashing
 * the process; the next query on the client fails and the caller's retry or restart takes over.
 */
export async function connectPostgres(
  options: PostgresConnectionOptions,
  log: Logger,
  applicationName: string,
  kind: SessionKind = {},
): Promise<Client> {
  const client = new Client(postgresClientConfig(options, applicationName, kind));
  // logged with its lockstep code (LS_POSTGRES_<SQLSTATE>), as every other Postgres failure
  client.on('error', (error) =>
    log.warn({ err: postgresError(error, 'postgres connection failed while idle'), target: describePostgresTarget(options) }, 'postgres connection failed while idle'),
  );
  try {
    await client.connect();
    if (kind.textSession === true) await client.query(TEXT_SESSION_SETTINGS);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}
