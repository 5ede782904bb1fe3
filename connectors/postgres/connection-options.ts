import type { ClientConfig } from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { LockstepError } from '../../core/sdk';
import type { PostgresSinkConfig } from './sink/postgres-sink-config.generated';

/**
 * Connection options shared by the Postgres sink and sources: the properties their schemas `$ref` from
 * `config-schemas/postgres/connection.schema.json`, typed as the generated sink config types them (the sources' generated
 * types have the same ones; passing them to `connectPostgres` checks that). Each separate field overrides the same
 * part of `url` ({@link resolvePostgresConnection}).
 */
export type PostgresConnectionOptions = Pick<
  PostgresSinkConfig,
  'url' | 'host' | 'port' | 'user' | 'password' | 'database' | 'ssl' | 'connectTimeout'
>;

/** The options without the timeout (it has a schema default), e.g. to describe or check the target. */
export type PostgresTargetOptions = Omit<PostgresConnectionOptions, 'connectTimeout'> & { readonly connectTimeout?: number };

/**
 * URL query parameters that are refused: lockstep sets each session's `application_name` (it names the session's role;
 * the exactly-once sink fences zombie writers by it), only the CDC source opens replication sessions, and
 * `connect_timeout` would lose to `connectTimeout`, which always has a value (its schema default).
 */
const REFUSED_URL_PARAMETERS: Readonly<Record<string, string>> = {
  application_name: 'is set by lockstep',
  fallback_application_name: 'is set by lockstep',
  replication: 'is set by lockstep',
  connect_timeout: 'is not read: set connectTimeout (milliseconds) instead',
};

/** The separate fields that override the url's part of the same name. */
const FIELDS = ['host', 'port', 'user', 'password', 'database', 'ssl'] as const;

function refused(field: string, reason: string): LockstepError {
  return new LockstepError(`${field}: ${reason}`, { code: 'LS_CONFIG_INVALID', context: { field } });
}

/** `url` as node-postgres settings; the message of a failure never contains the url or its password. */
function settingsFromUrl(url: string): ClientConfig & Record<string, unknown> {
  let parsed: ClientConfig & Record<string, unknown>;
  try {
    parsed = parseIntoClientConfig(url) as ClientConfig & Record<string, unknown>;
  } catch (error) {
    const message = (error as Error).message.split(url).join('***');
    throw refused('url', `cannot be read as a postgres connection URL (${message})`);
  }
  for (const [name, reason] of Object.entries(REFUSED_URL_PARAMETERS)) {
    if (parsed[name] !== undefined) throw refused('url', `the query parameter ${name} ${reason}; remove it from the url`);
  }
  // An absent part comes back as '' (user, password, host of `postgres:///db`): absent, so node-postgres' defaults apply.
  for (const name of ['host', 'user', 'password'] as const) if (parsed[name] === '') delete parsed[name];
  return parsed;
}

/**
 * The node-postgres settings `options` stand for: the url's parts (host, port, user, password, database, its query
 * parameters such as `sslmode`, `options` or `client_encoding`), each overridden by the separate field of the same
 * name (`ssl` replaces whatever the url's ssl parameters configure); `connectTimeout` as `connectionTimeoutMillis`.
 * Never `connectionString`: node-postgres would let the url win over the fields.
 * @throws LockstepError `LS_CONFIG_INVALID` with `context.field` when the url cannot be read or sets a refused
 *   parameter (`application_name`, `fallback_application_name`, `replication`, `connect_timeout`).
 */
export function resolvePostgresConnection(options: PostgresTargetOptions): ClientConfig {
  const config: ClientConfig & Record<string, unknown> = options.url === undefined ? {} : settingsFromUrl(options.url);
  for (const field of FIELDS) {
    const value = options[field];
    if (value !== undefined) (config as Record<string, unknown>)[field] = typeof value === 'object' ? { ...value } : value;
  }
  if (options.connectTimeout !== undefined) config.connectionTimeoutMillis = options.connectTimeout;
  return config;
}

/** Where `options` point, for logs and error messages: never the password. */
export function describePostgresTarget(options: PostgresTargetOptions): string {
  let config: ClientConfig;
  try {
    config = resolvePostgresConnection(options);
  } catch {
    config = { host: options.host, port: options.port, user: options.user, database: options.database };
  }
  const user = config.user === undefined ? '' : `${config.user}@`;
  return `postgres://${user}${config.host ?? 'localhost'}:${config.port ?? 5432}/${config.database ?? ''}`;
}
