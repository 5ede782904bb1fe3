import { Client, type ClientConfig } from 'pg';
import type { Logger } from 'pino';
import type { PostgresSinkConfig } from './sink/postgres-sink-config.generated';

/**
 * Connection options shared by the Postgres sink and sources: the properties their schemas `$ref` from
 * `config-schemas/postgres/connection.schema.json`, typed as the generated sink config types them (the sources' generated
 * types have the same ones; passing them to {@link connectPostgres} checks that).
 */
export type PostgresConnectionOptions = Pick<
  PostgresSinkConfig,
  'url' | 'host' | 'port' | 'user' | 'password' | 'database' | 'ssl' | 'connectTimeout'
>;

/** node-postgres client settings for `options`; `applicationName` shows in `pg_stat_activity`. */
export function postgresClientConfig(
  options: PostgresConnectionOptions,
  applicationName: string,
  extra: { readonly replication?: 'database' } = {},
): ClientConfig {
  const config: ClientConfig = {
    application_name: applicationName.slice(0, 63),
    connectionTimeoutMillis: options.connectTimeout,
  };
  if (options.url !== undefined) config.connectionString = options.url;
  if (options.host !== undefined) config.host = options.host;
  if (options.port !== undefined) config.port = options.port;
  if (options.user !== undefined) config.user = options.user;
  if (options.password !== undefined) config.password = options.password;
  if (options.database !== undefined) config.database = options.database;
  if (options.ssl !== undefined) config.ssl = typeof options.ssl === 'boolean' ? options.ssl : { ...options.ssl };
  if (extra.replication !== undefined) (config as ClientConfig & { replication?: string }).replication = extra.replication;
  return config;
}

/** Where `options` point, for logs and error messages: never the password. */
export function describePostgresTarget(options: Omit<PostgresConnectionOptions, 'connectTimeout'>): string {
  let host = options.host;
  let port = options.port;
  let database = options.database;
  let user = options.user;
  if (options.url !== undefined) {
    try {
      const url = new URL(options.url);
      host ??= url.hostname;
      port ??= url.port === '' ? undefined : Number(url.port);
      database ??= url.pathname.replace(/^\//, '') || undefined;
      user ??= url.username === '' ? undefined : decodeURIComponent(url.username);
    } catch {
      // not a URL node-postgres could read either; it reports that itself
    }
  }
  return `postgres://${user === undefined ? '' : `${user}@`}${host ?? 'localhost'}:${port ?? 5432}/${database ?? ''}`;
}

/**
 * Session settings under which Postgres prints values in the one text form lockstep's sources parse
 * (`postgresValueFromText`): UTC timestamps, ISO dates, hex bytea.
 */
export const TEXT_SESSION_SETTINGS = "SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO, YMD'; SET bytea_output TO 'hex'";

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
  client.on('error', (error) => log.warn({ err: error, target: describePostgresTarget(options) }, 'postgres connection failed while idle'));
  try {
    await client.connect();
    if (kind.textSession === true) await client.query(TEXT_SESSION_SETTINGS);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}
