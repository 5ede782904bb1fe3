import type { Client } from 'pg';
import type { CommittedRecord, InitContext } from '../../../core/sdk';
import { LockstepError } from '../../../core/sdk';
import { connectPostgres, type PostgresConnectionOptions } from '../connection';
import { describePostgresTarget } from '../connection-options';
import { postgresError } from '../errors';
import { describeQualifiedName, quoteIdentifier, quoteQualifiedName } from '../sql';
import type { ResolvedSinkConfig } from './postgres-sink-config';

/** Rows fetched from the cursor at a time. */
const FETCH_ROWS = 5_000;
/** The session's application_name: not a writer's, so no writer fences it. */
const APPLICATION_NAME = 'lockstep:verify';

/** The columns that identify a row when no `--key` is given, and how the report names them. */
interface DefaultKey {
  readonly columns: readonly string[];
  readonly name: string;
}

/**
 * The read-back of a postgres sink (`SupportsCommittedOutput`, for `lockstep verify`): every row of its table, as a
 * new session sees it (committed rows only; prepared transactions stay invisible), read through a cursor in one
 * read-only repeatable-read transaction. The sink stores no source position, so a row's default identity is:
 * - `mode: upsert`: its `key` columns (the conflict columns: a duplicate can only come from another writer);
 * - `mode: insert` with `columns`: the columns the sink fills;
 * - `mode: insert` without `columns`: the table's columns without a default, identity or generation expression —
 *   those records fill (a `serial` id or a `now()` column would make every row look distinct and hide a duplicate).
 * A row's location is its `ctid`. Every row of the table counts: a table other writers also fill is not the sink's
 * alone, and verify then reports their rows too.
 */
export async function* readPostgresSinkOutput(
  connection: PostgresConnectionOptions,
  config: ResolvedSinkConfig,
  context: InitContext,
): AsyncGenerator<CommittedRecord> {
  const table = describeQualifiedName(config.table);
  let client: Client | undefined;
  try {
    client = await connectPostgres(connection, context.log, APPLICATION_NAME);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const key = await defaultKey(client, config);
    await client.query(`DECLARE lockstep_verify NO SCROLL CURSOR FOR SELECT ctid::text AS ctid, t.* FROM ${quoteQualifiedName(config.table)} t`);
    for (;;) {
      const { rows } = await client.query<Record<string, unknown>>(`FETCH ${FETCH_ROWS} FROM lockstep_verify`);
      for (const row of rows) {
        const { ctid, ...value } = row;
        const record: CommittedRecord = { value, location: `${table} ctid ${String(ctid)}` };
        yield key === undefined ? record : { ...record, key: { name: key.name, value: JSON.stringify(key.columns.map((column) => value[column] ?? null)) } };
      }
      if (rows.length < FETCH_ROWS) break;
    }
    await client.query('COMMIT');
  } catch (error) {
    throw postgresError(error, `cannot read back table ${table} on ${describePostgresTarget(connection)}`);
  } finally {
    await client?.end().catch(() => undefined);
  }
}

/** The columns that identify a row by default (see {@link readPostgresSinkOutput}); undefined: the whole row. */
async function defaultKey(client: Client, config: ResolvedSinkConfig): Promise<DefaultKey | undefined> {
  if (config.mode === 'upsert') return { columns: config.key, name: `upsert key (${config.key.join(', ')})` };
  if (config.columns !== undefined) {
    const columns = config.columns.map((source) => source.column);
    return { columns, name: `the written columns (${columns.join(', ')})` };
  }
  const result = await client.query<{ name: string; filled: boolean }>(
    `SELECT a.attname AS name, NOT a.atthasdef AND a.attidentity = '' AND a.attgenerated = '' AS filled
       FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [quoteQualifiedName(config.table)],
  );
  if (result.rows.length === 0) {
    throw new LockstepError(`table ${describeQualifiedName(config.table)} does not exist`, { code: 'LS_POSTGRES_NO_TABLE' });
  }
  const filled = result.rows.filter((row) => row.filled).map((row) => row.name);
  // Every column has a default: nothing tells records apart but the whole row.
  if (filled.length === 0) return undefined;
  if (filled.length === result.rows.length) return { columns: filled, name: 'the whole row' };
  return { columns: filled, name: `the columns without a default (${filled.map((name) => quoteIdentifier(name)).join(', ')})` };
}
