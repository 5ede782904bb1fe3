import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import type { Logger } from 'pino';
import { LockstepError, type LockstepRecord } from '../../../core/sdk';
import { TEXT_TYPES } from '../connection';
import { postgresValueFromText, quoteIdentifier, quoteQualifiedName } from '../sql';
import type { PublishedTable } from './cdc-catalog';
import { rowKey, type ChangeItem } from './change-assembler';
import type { ChangeEvent, RowImage } from './change-event';
import { collatesBytewise, compareKeys, keyKindOf, type KeyKind } from './key-order';
import { formatLsn } from './lsn';
import type { LogicalMessage } from './pgoutput-messages';
import type { SnapshotProgress, StreamPosition } from './postgres-cdc-split';
import type { TypeCatalog } from './value-model';

/** Prefix of the watermark messages the chunked snapshot writes into the WAL. */
export const WATERMARK_PREFIX = 'lockstep-snapshot';

/** How long a chunk's select waits for transactions still in progress after its low watermark (see settleBeforeSelect). */
const SETTLE_MS = 20;
/** How long a transaction committed before the low watermark may stay invisible (synchronous standby) before the chunk fails. */
const VISIBLE_TIMEOUT_MS = 60_000;

/** A chunk read and waiting for its high watermark to come through the stream. */
interface PendingChunk {
  readonly id: string;
  readonly table: PublishedTable;
  /** The chunk's rows as Postgres printed them (TEXT_TYPES), with the base types of the columns: set once selected. */
  rows: readonly Record<string, string | null>[];
  baseTypes: readonly number[];
  columns: readonly string[];
  /** The progress once the chunk is emitted. */
  next: SnapshotProgress;
  /**
   * The chunk's upper bound (Postgres' text of each key column; the chunk is the keys above the progress's `after` up
   * to it), or undefined for the table's last chunk (every key above `after`). Known before the low watermark.
   */
  upper: readonly string[] | undefined;
  /** The low watermark came through: changes of the table are in the window. */
  open: boolean;
  /** Keys (as JSON) of the table's rows changed in the window: their chunk rows are stale, the change wins. */
  readonly changed: Set<string>;
  /**
   * Changes of keys in the chunk made in its window, held back (tables with a key order compared here): at the high
   * watermark they are applied to the chunk's rows (Flink CDC's backfill), which then carry the state there.
   */
  readonly held: ChangeEvent[];
}

/** How the key columns of a table are compared and ordered. */
interface KeyOrder {
  /** The kind of each key column, or undefined when some column's order cannot be compared in JavaScript. */
  readonly kinds: readonly KeyKind[] | undefined;
  /** Each key column as the chunk queries order it (`"name" COLLATE "C"` for text-like columns). */
  readonly sql: readonly string[];
}

/**
 * The initial snapshot as chunks read **beside the stream**, with watermarks in the WAL (the DBLog algorithm, as
 * Flink CDC's and Debezium's incremental snapshots): for each chunk — the keys of a table after the cursor (the last
 * chunk's upper bound) up to an upper bound looked up first (`chunkSize` rows on; none for the table's last chunk) —
 * it writes a low watermark (`pg_logical_emit_message(true, 'lockstep-snapshot', 'low:<id>')`), selects the chunk
 * (read committed), and writes a high watermark. When the stream reaches the high watermark, the chunk's rows are
 * emitted as `read` records there. The chunk and the snapshot's new progress (the table, the new cursor) go out as one
 * unit at the stream position of the high watermark, so a checkpoint holds both or neither: a crash resumes from the
 * last chunk emitted — no row read twice, none missed — and no snapshot has to stay open.
 *
 * When the table's key is one whose order JavaScript compares exactly (`key-order.ts`; text ordered `COLLATE "C"`),
 * a change of a table still being read whose key lies **above the cursor** (a range a later chunk reads) is not
 * emitted (Flink CDC's rule): the later chunk's `read` carries the row's current state, and a deleted row is simply
 * absent from it; the changes of keys in the chunk made in its window are not emitted either but applied to the
 * chunk's rows at the high watermark (Flink CDC's backfill). So every row comes once, as `read` or `insert`, then its
 * later changes. A table's last chunk has no upper bound (every key above the cursor, whenever it was inserted), and
 * once it is emitted the table is done, so no change is held back that no chunk reads. For other key types the changes
 * pass: the chunk's rows whose key changed in the window are left out (their changes carry the newer state), and a
 * row changed before its chunk comes as its changes first and then as a `read` with its current values.
 *
 * Call order: `loadKeyOrders` (before the stream starts), `startChunk` (when `idle`), `filter` every item the stream
 * makes, `watermark` for every logical message; `progress` any time.
 */
export class SnapshotChunker {
  private pending: PendingChunk | undefined;
  private running = false;
  private current: SnapshotProgress;
  private readonly orders = new Map<string, KeyOrder>();

  constructor(
    private readonly catalog: Client,
    private readonly types: TypeCatalog,
    private readonly shapes: ReadonlyMap<string, PublishedTable>,
    start: SnapshotProgress,
    private readonly settings: { readonly slot: string; readonly chunkSize: number },
    private readonly log: Logger,
  ) {
    this.current = start;
  }

  /**
   * Looks up the key columns' types of the tables still to read (before the stream starts: its changes are filtered
   * by them from the first one).
   */
  async loadKeyOrders(): Promise<void> {
    for (const name of this.current.tables) {
      const table = this.shapes.get(name);
      if (table === undefined || this.orders.has(name)) continue;
      const result = await this.catalog.query<{ attname: string; atttypid: number }>(
        'SELECT attname, atttypid::int AS atttypid FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attname = ANY ($2::text[])',
        [quoteQualifiedName({ schema: table.schema, name: table.table }), [...table.keyColumns]],
      );
      const byName = new Map(result.rows.map((row) => [row.attname, Number(row.atttypid)]));
      const bases = await this.types.baseTypes(table.keyColumns.map((column) => byName.get(column) ?? 0));
      const kinds = bases.map(keyKindOf);
      const sql = table.keyColumns.map((column, i) => (collatesBytewise(bases[i] as number) ? `${quoteIdentifier(column)} COLLATE "C"` : quoteIdentifier(column)));
      const exact = kinds.every((kind) => kind !== undefined) ? (kinds as KeyKind[]) : undefined;
      if (exact === undefined) {
        this.log.warn(
          { table: name },
          `postgres-cdc: the key of ${name} has a type whose order lockstep does not compare (only integers, numeric, text, varchar, char, uuid): ` +
            'a row changed during its snapshot in a key range not yet read comes as its change and again as a read (at-least-once for those rows)',
        );
      }
      this.orders.set(name, { kinds: exact, sql });
    }
  }

  /** Whether every table was read. */
  get done(): boolean {
    return this.current.tables.length === 0 && this.pending === undefined && !this.running;
  }

  /** Whether a chunk may start now (none is being read or waits for its high watermark). */
  get idle(): boolean {
    return !this.running && this.pending === undefined && this.current.tables.length > 0;
  }

  /**
   * Reads the next chunk between two watermarks. Tables no longer published are skipped (logged); a table whose rows
   * are all read ends in an empty chunk, whose watermark moves the progress on to the next table.
   */
  async startChunk(): Promise<void> {
    if (!this.idle) return;
    this.running = true;
    try {
      let [name, ...rest] = this.current.tables;
      let table = this.shapes.get(name as string);
      while (table === undefined && name !== undefined) {
        this.log.warn({ table: name }, `postgres-cdc: table ${name} is no longer published: its snapshot is skipped`);
        this.current = { tables: rest };
        [name, ...rest] = rest;
        table = name === undefined ? undefined : this.shapes.get(name);
      }
      if (table === undefined) return;
      const id = `${this.settings.slot}:${randomUUID()}`;
      const order = this.orders.get(name as string) ?? { kinds: undefined, sql: table.keyColumns.map((column) => quoteIdentifier(column)) };
      const { after } = this.current;
      const from = table.keyColumns.map((_, i) => `$${i + 1}`).join(', ');
      const keys = order.sql.join(', ');
      const source = quoteQualifiedName({ schema: table.schema, name: table.table });
      // the chunk's upper bound, fixed before the low watermark: changes in the window above it are left to later chunks
      const bound = await this.catalog.query({
        text: `SELECT ${table.keyColumns.map((column) => quoteIdentifier(column)).join(', ')} FROM ${source} ${after === undefined ? '' : `WHERE (${keys}) > (${from})`} ORDER BY ${keys} OFFSET ${this.settings.chunkSize - 1} LIMIT 1`,
        values: after === undefined ? [] : [...after],
        types: TEXT_TYPES,
      });
      const boundRow = bound.rows[0] as Record<string, string | null> | undefined;
      const upper = boundRow === undefined ? undefined : table.keyColumns.map((column) => boundRow[column] ?? '');
      // pending before the low watermark is written: the stream may bring it back before the select has ended
      const pending: PendingChunk = { id, table, rows: [], baseTypes: [], columns: [], next: this.current, upper, open: false, changed: new Set(), held: [] };
      this.pending = pending;
      await this.emitWatermark('low', id);
      await this.settleBeforeSelect();
      const conditions: string[] = [];
      const values: (string | null)[] = [];
      if (after !== undefined) {
        conditions.push(`(${keys}) > (${from})`);
        values.push(...after);
      }
      if (upper !== undefined) {
        conditions.push(`(${keys}) <= (${upper.map((_, i) => `$${values.length + i + 1}`).join(', ')})`);
        values.push(...upper);
      }
      const select = table.columns.map((column) => quoteIdentifier(column)).join(', ');
      const result = await this.catalog.query({
        text: `SELECT ${select} FROM ${source} ${conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`} ORDER BY ${keys}`,
        values,
        types: TEXT_TYPES,
      });
      const rows = result.rows as Record<string, string | null>[];
      // the last chunk (no upper bound) takes every key above the cursor: the table is done once it is emitted
      const next: SnapshotProgress = upper === undefined ? { tables: rest } : { tables: this.current.tables, after: upper };
      pending.baseTypes = await this.types.baseTypes(result.fields.map((field) => field.dataTypeID));
      pending.columns = result.fields.map((field) => field.name);
      pending.rows = rows;
      pending.next = next;
      // the high watermark is written only now: when the stream brings it back, the chunk is complete
      await this.emitWatermark('high', id);
    } catch (error) {
      this.pending = undefined;
      throw error;
    } finally {
      this.running = false;
    }
  }

  /**
   * Filters the stream's items while the snapshot runs: a change of a table still to be read (with a key order
   * compared here) whose key lies above the cursor is not emitted (left as a position-only item, so positions still
   * move); when it is in the pending chunk's range while its window is open it is kept to be applied to the chunk's
   * rows at the high watermark. For a table whose key order is not compared here, a change in the window passes and
   * the chunk's row of that key is dropped (the change carries the newer state). Every other item passes.
   */
  filter(items: readonly ChangeItem[]): ChangeItem[] {
    return items.map((item) => {
      const record = item.record;
      if (record === undefined) return item;
      const event = record.value as ChangeEvent;
      const name = `${event.schema}.${event.table}`;
      const index = this.current.tables.indexOf(name);
      if (index < 0) return item;
      const pending = this.pending !== undefined && this.pending.open && `${this.pending.table.schema}.${this.pending.table.table}` === name ? this.pending : undefined;
      const table = this.shapes.get(name);
      const kinds = this.orders.get(name)?.kinds;
      const key = table === undefined || kinds === undefined ? undefined : keyText(table.keyColumns, record.key);
      if (key === undefined) {
        // a truncate in the window: the chunk's rows selected before it are gone (those inserted after it come again)
        if (event.op === 'truncate' && kinds !== undefined) pending?.held.push(event);
        else pending?.changed.add(JSON.stringify(record.key));
        return item;
      }
      const cursor = index === 0 ? this.current.after : undefined;
      if (cursor !== undefined && compareKeys(kinds as KeyKind[], key, cursor as string[]) <= 0) return item;
      // in the chunk's window and range: applied to the chunk's rows at its high watermark, emitted with them as reads
      if (pending !== undefined && (pending.upper === undefined || compareKeys(kinds as KeyKind[], key, pending.upper) <= 0)) pending.held.push(event);
      // else a later chunk reads this key's current state (or finds it deleted): the change is not emitted
      return { position: item.position, ...(item.snapshot === undefined ? {} : { snapshot: item.snapshot }) };
    });
  }

  /**
   * A logical message from the stream: the pending chunk's low watermark opens its window, its high watermark emits
   * the chunk (as items at `position`, the stream's position there). Watermarks of other chunks (an earlier run's,
   * another pipeline's) are ignored.
   */
  watermark(message: LogicalMessage, position: StreamPosition): ChangeItem[] {
    const pending = this.pending;
    if (message.prefix !== WATERMARK_PREFIX || pending === undefined) return [];
    const text = message.content.toString('utf8');
    if (text === `low:${pending.id}`) pending.open = true;
    if (text !== `high:${pending.id}`) return [];
    this.pending = undefined;
    this.current = pending.next;
    const lsn = formatLsn(message.lsn);
    const { table } = pending;
    const rows = new Map<string, { key: RowImage; after: RowImage }>();
    for (const row of pending.rows) {
      const after: RowImage = {};
      pending.columns.forEach((column, i) => {
        after[column] = postgresValueFromText(pending.baseTypes[i] as number, row[column] ?? null);
      });
      const key = rowKey(table, after);
      if (!pending.changed.has(JSON.stringify(key))) rows.set(JSON.stringify(key), { key, after });
    }
    // the changes held back in the window, applied in order: the rows then are the table's state at the high watermark
    for (const event of pending.held) {
      if (event.op === 'truncate') {
        rows.clear();
        continue;
      }
      const image = event.after ?? event.before;
      if (image === null) continue;
      const key = rowKey(table, image);
      const id = JSON.stringify(key);
      if (event.op === 'delete') rows.delete(id);
      // an update leaves out TOASTed columns it did not change: they keep the value the chunk read
      else if (event.after !== null) rows.set(id, { key, after: { ...(rows.get(id)?.after ?? {}), ...event.after } });
    }
    const records: LockstepRecord[] = [];
    for (const { key, after } of rows.values()) {
      const value: ChangeEvent = { op: 'read', schema: table.schema, table: table.table, before: null, after, lsn, commitLsn: lsn, xid: null, commitTime: null };
      records.push({ key, value, origin: `${table.schema}.${table.table}@snapshot` });
    }
    const snapshot = this.current;
    if (snapshot.tables.length === 0) this.log.info({ slot: this.settings.slot }, 'postgres-cdc: initial snapshot done');
    if (records.length === 0) return [{ position, snapshot }];
    // one unit: taken in one poll, so a checkpoint has the chunk and the progress after it, or neither
    return records.map((record, i) => (i === 0 ? { record, position, snapshot } : { record, position, snapshot, joined: true }));
  }

  /** The progress as of the last chunk emitted. */
  get progress(): SnapshotProgress {
    return this.current;
  }

  /**
   * A transaction whose commit record precedes the low watermark in the WAL stays invisible to other snapshots for a
   * moment after it (until it leaves the proc array): selected then, the chunk would hold its old row while its change
   * is not in the window. So the transactions in progress once the low watermark is written are waited for — briefly
   * ({@link SETTLE_MS}): one still running after that commits after the watermark, in the window, where it is handled.
   */
  private async settleBeforeSelect(): Promise<void> {
    const running = await this.catalog.query<{ xids: string[] | null }>('SELECT array_agg(x::text) AS xids FROM pg_snapshot_xip(pg_current_snapshot()) AS x');
    const xids = running.rows[0]?.xids ?? [];
    if (xids.length === 0) return;
    const deadline = Date.now() + SETTLE_MS;
    while (Date.now() < deadline) {
      const result = await this.catalog.query<{ done: boolean }>(
        "SELECT coalesce(bool_and(pg_xact_status(x::xid8) IS DISTINCT FROM 'in progress'), true) AS done FROM unnest($1::text[]) AS x",
        [xids],
      );
      if (result.rows[0]?.done === true) break;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await this.awaitVisible(xids);
  }

  /**
   * A transaction marked committed (its commit record before the low watermark) that new snapshots do not see yet —
   * it leaves the proc array only after its commit returns, e.g. once a synchronous standby confirmed it — would be
   * missing from the chunk's select while its change, streamed before the window, is held back: lost. So the select
   * waits until every such transaction is visible, and fails the chunk (read again after the restart) if one stays
   * invisible past {@link VISIBLE_TIMEOUT_MS}. Transactions still in progress commit after the watermark, in the window.
   */
  private async awaitVisible(xids: readonly string[]): Promise<void> {
    const deadline = Date.now() + VISIBLE_TIMEOUT_MS;
    let waited = false;
    for (;;) {
      const result = await this.catalog.query<{ invisible: string[] | null }>(
        "SELECT array_agg(x) AS invisible FROM unnest($1::text[]) AS x WHERE pg_xact_status(x::xid8) = 'committed' AND x::xid8 IN (SELECT pg_snapshot_xip(pg_current_snapshot()))",
        [xids],
      );
      const invisible = result.rows[0]?.invisible ?? [];
      if (invisible.length === 0) return;
      if (!waited) {
        this.log.info({ slot: this.settings.slot, xids: invisible }, 'postgres-cdc: snapshot chunk waits for committed transactions to become visible (synchronous standby?)');
        waited = true;
      }
      if (Date.now() > deadline) {
        throw new LockstepError(
          `postgres-cdc: transactions ${invisible.join(', ')} committed before a snapshot chunk but stayed invisible for ${VISIBLE_TIMEOUT_MS / 1000} s (a synchronous standby not answering?); the chunk is read again after the restart`,
          { code: 'LS_POSTGRES_CDC_SNAPSHOT_COMMIT_INVISIBLE' },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private async emitWatermark(kind: 'low' | 'high', id: string): Promise<void> {
    await this.catalog.query('SELECT pg_logical_emit_message(true, $1::text, $2::text)', [WATERMARK_PREFIX, `${kind}:${id}`]);
  }
}

/**
 * A change's key as Postgres' text of each key column (numbers as their decimal text), or undefined when a column is
 * missing or null (such a change is always emitted).
 */
function keyText(columns: readonly string[], key: unknown): string[] | undefined {
  if (key === null || typeof key !== 'object') return undefined;
  const texts: string[] = [];
  for (const column of columns) {
    const value = (key as Record<string, unknown>)[column];
    if (typeof value === 'string') texts.push(value);
    else if (typeof value === 'number' && Number.isInteger(value)) texts.push(String(value));
    else return undefined;
  }
  return texts;
}
