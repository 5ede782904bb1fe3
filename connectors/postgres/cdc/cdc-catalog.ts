import type { Client } from 'pg';
import type { Logger } from 'pino';
import { LockstepError } from '../../../core/sdk';
import { parseQualifiedName, quoteIdentifier, quoteQualifiedName } from '../sql';
import { parseLsn } from './lsn';
import { sqlState } from '../errors';

/**
 * A published table as both paths read it: its key columns (from the replica identity in force, in index order) and
 * the columns the stream sends (not generated ones, in column order), which the snapshot selects too.
 */
export interface PublishedTable {
  readonly schema: string;
  readonly table: string;
  readonly keyColumns: readonly string[];
  readonly columns: readonly string[];
}

/** A replication slot as `pg_replication_slots` shows it. */
export interface SlotInfo {
  readonly plugin: string | null;
  readonly slotType: string;
  readonly database: string | null;
  readonly activePid: number | null;
  readonly confirmedFlush: bigint | undefined;
}

/** How long to wait for a slot to become free after its holder was terminated. */
const RELEASE_WAIT_MS = 10_000;

/** `server_version_num`, e.g. 150004. */
export async function serverVersion(client: Client): Promise<number> {
  const result = await client.query<{ server_version_num: string }>('SHOW server_version_num');
  return Number(result.rows[0]?.server_version_num);
}

/**
 * Creates publication `publication` unless it exists — `FOR TABLE` the configured tables, or `FOR ALL TABLES` — safe
 * when several sources start at once (a concurrent creation counts as existing); then keeps a `FOR TABLE`
 * publication in step with `tables`: configured tables it lacks are added, published tables no longer configured are
 * dropped, each logged. Without `tables`, an existing publication is used as it is. Returns the tables added to an
 * existing publication (`schema.table`).
 */
export async function ensurePublication(
  client: Client,
  publication: string,
  tables: readonly string[] | undefined,
  allTables: boolean,
  log: Logger,
): Promise<string[]> {
  const exists = async (): Promise<{ allTables: boolean } | undefined> => {
    const result = await client.query<{ puballtables: boolean }>('SELECT puballtables FROM pg_publication WHERE pubname = $1', [publication]);
    const row = result.rows[0];
    return row === undefined ? undefined : { allTables: row.puballtables };
  };
  let existing = await exists();
  if (existing === undefined) {
    let target: string;
    if (allTables) target = 'FOR ALL TABLES';
    else if (tables !== undefined && tables.length > 0) target = `FOR TABLE ${tables.map((table) => quoteQualifiedName(parseQualifiedName(table))).join(', ')}`;
    else {
      throw new LockstepError(`postgres-cdc: publication ${publication} does not exist; set tables (or allTables: true) so lockstep creates it`, {
        code: 'LS_POSTGRES_CDC_NO_PUBLICATION',
        context: { publication },
      });
    }
    try {
      await client.query(`CREATE PUBLICATION ${quoteIdentifier(publication)} ${target}`);
      log.info({ publication }, `postgres-cdc: created publication ${publication} ${target}`);
      return [];
    } catch (error) {
      // another source created it meanwhile (23505 on pg_publication_pubname_index, or 42710 duplicate_object)
      if (!isDuplicate(error)) throw error;
      existing = await exists();
      if (existing === undefined) throw error;
      log.info({ publication }, `postgres-cdc: publication ${publication} was created concurrently (another source?): using it`);
    }
  }
  if (tables === undefined) return [];
  if (existing.allTables) {
    log.warn({ publication }, `postgres-cdc: publication ${publication} is FOR ALL TABLES: it publishes every table, not only the configured tables`);
    return [];
  }
  return syncPublicationTables(client, publication, tables, log);
}

/** Adds the configured tables `publication` lacks and drops the published ones no longer configured, logging each. */
async function syncPublicationTables(client: Client, publication: string, tables: readonly string[], log: Logger): Promise<string[]> {
  const added: string[] = [];
  const configured = new Map<string, string>();
  for (const table of tables) {
    const result = await client.query<{ name: string | null }>(
      `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)`,
      [quoteQualifiedName(parseQualifiedName(table))],
    );
    const name = result.rows[0]?.name;
    // a table that does not exist: ALTER PUBLICATION fails naming it (42P01)
    configured.set(name ?? table, quoteQualifiedName(parseQualifiedName(table)));
  }
  const published = await client.query<{ name: string; quoted: string }>(
    `SELECT schemaname || '.' || tablename AS name, quote_ident(schemaname) || '.' || quote_ident(tablename) AS quoted
       FROM pg_publication_tables WHERE pubname = $1`,
    [publication],
  );
  const publishedNames = new Set(published.rows.map((row) => row.name));
  for (const [name, quoted] of configured) {
    if (publishedNames.has(name)) continue;
    try {
      await client.query(`ALTER PUBLICATION ${quoteIdentifier(publication)} ADD TABLE ${quoted}`);
    } catch (error) {
      if (!isDuplicate(error)) throw error; // added concurrently
    }
    log.warn({ publication, table: name }, `postgres-cdc: table ${name} is configured but was not in publication ${publication}: added`);
    added.push(name);
  }
  for (const row of published.rows) {
    if (configured.has(row.name)) continue;
    try {
      await client.query(`ALTER PUBLICATION ${quoteIdentifier(publication)} DROP TABLE ${row.quoted}`);
    } catch (error) {
      if (sqlState(error) !== '42704') throw error; // dropped concurrently (undefined_object)
    }
    log.warn({ publication, table: row.name }, `postgres-cdc: table ${row.name} is no longer configured: dropped from publication ${publication}`);
  }
  return added;
}

function isDuplicate(error: unknown): boolean {
  const state = sqlState(error);
  return state === '23505' || state === '42710';
}

/** One relation's identity as the catalog has it (see {@link TABLE_SHAPE_SQL}). */
interface TableShapeRow {
  schema: string;
  table: string;
  identity: string;
  pk: string[] | null;
  ri: string[] | null;
  columns: string[] | null;
}

/**
 * For the relations of `c`: the replica identity (`d` default, `i` index, `f` full, `n` nothing), the primary key and
 * the identity index columns (each in index order), and the non-generated columns (in column order).
 */
const TABLE_SHAPE_SQL = `n.nspname AS schema, c.relname AS table, c.relreplident::text AS identity,
  (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM pg_index i
     CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    WHERE i.indrelid = c.oid AND i.indisprimary) AS pk,
  (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM pg_index i
     CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    WHERE i.indrelid = c.oid AND i.indisreplident) AS ri,
  (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS columns`;

/**
 * The tables of `publication` with their key and published columns.
 * @throws LockstepError `LS_POSTGRES_CDC_NO_PRIMARY_KEY` / `LS_POSTGRES_CDC_REPLICA_IDENTITY` naming every published
 *   table whose replica identity cannot key its records (see {@link keyColumnsOf}).
 */
export async function publishedTables(client: Client, publication: string): Promise<PublishedTable[]> {
  const result = await client.query<TableShapeRow>(
    `SELECT ${TABLE_SHAPE_SQL}
       FROM pg_publication_tables p
       JOIN pg_namespace n ON n.nspname = p.schemaname
       JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename
      WHERE p.pubname = $1
      ORDER BY 1, 2`,
    [publication],
  );
  return tableShapes(result.rows);
}

/** The shape of the relation `oid` (a Relation message's); @throws as {@link publishedTables}. */
export async function tableShapeOf(client: Client, oid: number, name: string): Promise<PublishedTable> {
  const result = await client.query<TableShapeRow>(
    `SELECT ${TABLE_SHAPE_SQL} FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1::oid`,
    [oid],
  );
  if (result.rows.length === 0) throw noPrimaryKey([name]);
  const [shape] = tableShapes(result.rows);
  return shape as PublishedTable;
}

function tableShapes(rows: readonly TableShapeRow[]): PublishedTable[] {
  const keyless: string[] = [];
  const refused: string[] = [];
  const tables = rows.map((row) => {
    const name = `${row.schema}.${row.table}`;
    const keyColumns = keyColumnsOf(row);
    if (typeof keyColumns === 'string') {
      if (keyColumns === 'no-primary-key') keyless.push(name);
      else refused.push(`${name} (${keyColumns})`);
    }
    return { schema: row.schema, table: row.table, keyColumns: Array.isArray(keyColumns) ? keyColumns : [], columns: row.columns ?? [] };
  });
  if (keyless.length > 0) throw noPrimaryKey(keyless);
  if (refused.length > 0) {
    throw new LockstepError(
      `postgres-cdc: the replica identity of ${refused.join(', ')} cannot key change records: updates and deletes would arrive without ` +
        'the old key. Fix: ALTER TABLE … REPLICA IDENTITY DEFAULT (with a primary key) or REPLICA IDENTITY USING INDEX <unique index>',
      { code: 'LS_POSTGRES_CDC_REPLICA_IDENTITY', context: { tables: refused.join(', ') } },
    );
  }
  return tables;
}

/**
 * The columns that key a table's records: those of the replica identity in force, which the server sends with every
 * delete and key-changing update — the primary key (`DEFAULT`, and `FULL`, whose old rows hold it), the identity
 * index (`USING INDEX`). Else why it cannot: `no-primary-key` (`DEFAULT`/`FULL` without one), `REPLICA IDENTITY
 * NOTHING`, or an identity index that was dropped.
 */
function keyColumnsOf(row: TableShapeRow): string[] | string {
  switch (row.identity) {
    case 'i':
      return row.ri ?? 'REPLICA IDENTITY USING INDEX of a dropped index';
    case 'n':
      return 'REPLICA IDENTITY NOTHING';
    default:
      return row.pk ?? 'no-primary-key';
  }
}

/** Slot `slot`, or undefined when there is none. */
export async function slotInfo(client: Client, slot: string): Promise<SlotInfo | undefined> {
  const result = await client.query<{ plugin: string | null; slot_type: string; database: string | null; active_pid: number | null; confirmed_flush_lsn: string | null }>(
    'SELECT plugin, slot_type, database, active_pid, confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  const row = result.rows[0];
  if (row === undefined) return undefined;
  return {
    plugin: row.plugin,
    slotType: row.slot_type,
    database: row.database,
    activePid: row.active_pid,
    confirmedFlush: row.confirmed_flush_lsn === null ? undefined : parseLsn(row.confirmed_flush_lsn),
  };
}

/**
 * Checks that `slot` is a pgoutput slot of this database and frees it: a connection still streaming it is a
 * previous run of this source whose process died before the server noticed (the slot belongs to one source), so
 * its backend is terminated. Returns the slot as it is then.
 */
export async function takeOverSlot(client: Client, slot: string, log: Logger): Promise<SlotInfo> {
  let info = await requireSlot(client, slot);
  const database = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]?.db;
  if (info.slotType !== 'logical' || info.plugin !== 'pgoutput' || info.database !== database) {
    throw new LockstepError(`postgres-cdc: replication slot ${slot} is not a pgoutput logical slot of database ${database}`, {
      code: 'LS_POSTGRES_CDC_SLOT_MISMATCH',
      context: { slot, plugin: info.plugin ?? undefined, database: info.database ?? undefined },
    });
  }
  const deadline = Date.now() + RELEASE_WAIT_MS;
  while (info.activePid !== null) {
    log.warn({ slot, pid: info.activePid }, 'replication slot is held by another connection (a previous run?): terminating it');
    await client.query('SELECT pg_terminate_backend($1)', [info.activePid]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    info = await requireSlot(client, slot);
    if (info.activePid !== null && Date.now() > deadline) {
      throw new LockstepError(`postgres-cdc: replication slot ${slot} stays active for process ${info.activePid}`, {
        code: 'LS_POSTGRES_CDC_SLOT_BUSY',
        retriable: true,
        context: { slot, pid: info.activePid },
      });
    }
  }
  return info;
}

/** Drops `slot` (after taking it over from a lingering connection). */
export async function dropSlot(client: Client, slot: string, log: Logger): Promise<void> {
  await takeOverSlot(client, slot, log);
  await client.query('SELECT pg_drop_replication_slot($1)', [slot]);
}

async function requireSlot(client: Client, slot: string): Promise<SlotInfo> {
  const info = await slotInfo(client, slot);
  if (info === undefined) {
    throw new LockstepError(`postgres-cdc: replication slot ${slot} does not exist any more: the checkpointed position cannot be resumed`, {
      code: 'LS_POSTGRES_CDC_SLOT_MISSING',
      context: { slot },
    });
  }
  return info;
}

function noPrimaryKey(tables: readonly string[]): LockstepError {
  return new LockstepError(
    `postgres-cdc: ${tables.length === 1 ? 'table' : 'tables'} ${tables.join(', ')} ${tables.length === 1 ? 'has' : 'have'} no primary key; ` +
      'change records are keyed by it: add one (or set REPLICA IDENTITY USING INDEX <unique index>), or leave the table out of the publication',
    { code: 'LS_POSTGRES_CDC_NO_PRIMARY_KEY', context: { tables: tables.join(', ') } },
  );
}
