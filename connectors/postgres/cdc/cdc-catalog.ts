import type { Client } from 'pg';
import type { Logger } from 'pino';
import { LockstepError } from '../../../core/sdk';
import { parseQualifiedName, quoteIdentifier, quoteQualifiedName } from '../sql';
import { parseLsn } from './lsn';

/** A published table and its primary key columns (in key order). */
export interface PublishedTable {
  readonly schema: string;
  readonly table: string;
  readonly primaryKey: readonly string[];
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
 * Creates publication `publication` unless it exists: `FOR TABLE` the configured tables, or `FOR ALL TABLES`. An
 * existing publication is used as it is (lockstep never alters one).
 */
export async function ensurePublication(client: Client, publication: string, tables: readonly string[] | undefined, allTables: boolean): Promise<void> {
  const existing = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication]);
  if ((existing.rowCount ?? 0) > 0) return;
  let target: string;
  if (allTables) target = 'FOR ALL TABLES';
  else if (tables !== undefined && tables.length > 0) target = `FOR TABLE ${tables.map((table) => quoteQualifiedName(parseQualifiedName(table))).join(', ')}`;
  else {
    throw new LockstepError(`postgres-cdc: publication ${publication} does not exist; set tables (or allTables: true) so lockstep creates it`, {
      code: 'LS_POSTGRES_CDC_NO_PUBLICATION',
      context: { publication },
    });
  }
  await client.query(`CREATE PUBLICATION ${quoteIdentifier(publication)} ${target}`);
}

/**
 * The tables of `publication` with their primary keys.
 * @throws LockstepError `LS_POSTGRES_CDC_NO_PRIMARY_KEY` naming every published table without a primary key.
 */
export async function publishedTables(client: Client, publication: string): Promise<PublishedTable[]> {
  const result = await client.query<{ schema: string; table: string; key: string[] | null }>(
    `SELECT p.schemaname AS schema, p.tablename AS table,
            (SELECT array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum))
               FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
              WHERE i.indrelid = c.oid AND i.indisprimary) AS key
       FROM pg_publication_tables p
       JOIN pg_namespace n ON n.nspname = p.schemaname
       JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename
      WHERE p.pubname = $1
      ORDER BY 1, 2`,
    [publication],
  );
  const tables = result.rows.map((row) => ({ schema: row.schema, table: row.table, primaryKey: row.key ?? [] }));
  const keyless = tables.filter((table) => table.primaryKey.length === 0);
  if (keyless.length > 0) throw noPrimaryKey(keyless.map((table) => `${table.schema}.${table.table}`));
  return tables;
}

/** The primary key columns of the relation `oid`; @throws LockstepError `LS_POSTGRES_CDC_NO_PRIMARY_KEY` if none. */
export async function primaryKeyOf(client: Client, oid: number, name: string): Promise<string[]> {
  const result = await client.query<{ attname: string }>(
    `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
      WHERE i.indrelid = $1::oid AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    [oid],
  );
  if (result.rows.length === 0) throw noPrimaryKey([name]);
  return result.rows.map((row) => row.attname);
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
      'change records are keyed by it: add one, or leave the table out of the publication',
    { code: 'LS_POSTGRES_CDC_NO_PRIMARY_KEY', context: { tables: tables.join(', ') } },
  );
}
