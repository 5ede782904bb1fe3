import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import type { Logger } from 'pino';
import type { LockstepRecord } from '../../../core/sdk';
import { TEXT_TYPES } from '../connection';
import { quoteIdentifier, quoteQualifiedName } from '../sql';
import type { PublishedTable } from './cdc-catalog';
import { rowKey, type ChangeItem } from './change-assembler';
import type { ChangeEvent, RowImage } from './change-event';
import { formatLsn } from './lsn';
import type { LogicalMessage } from './pgoutput-messages';
import type { SnapshotProgress, StreamPosition } from './postgres-cdc-split';
import { cdcValue, type TypeCatalog } from './value-model';

/** Prefix of the watermark messages the chunked snapshot writes into the WAL. */
export const WATERMARK_PREFIX = 'lockstep-snapshot';

/** How long a chunk's select waits for transactions still in progress after its low watermark (see settleBeforeSelect). */
const SETTLE_MS = 20;

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
  /** The low watermark came through: changes of the table are in the window. */
  open: boolean;
  /** Keys (as JSON) of the table's rows changed in the window: their chunk rows are stale, the change wins. */
  readonly changed: Set<string>;
}

/**
 * The initial snapshot as chunks read **beside the stream**, with watermarks in the WAL (the DBLog algorithm, as
 * Flink CDC's and Debezium's incremental snapshots): for each chunk — the next `chunkSize` rows of a table in key order
 * after the last chunk's last key — it writes a low watermark (`pg_logical_emit_message(true, 'lockstep-snapshot',
 * 'low:<id>')`), selects the chunk (read committed), and writes a high watermark. When the stream reaches the high
 * watermark, the chunk's rows are emitted as `read` records there, except those whose key changed between the two
 * watermarks (their change events, already emitted, carry the newer state). The chunk and the snapshot's new progress
 * (the table, the chunk's last key) go out as one unit at the stream position of the high watermark, so a checkpoint
 * holds both or neither: a crash resumes from the last chunk emitted — no row read twice, none missed — and no
 * snapshot has to stay open. A row changed before its chunk is read comes as its change events first and then as a
 * `read` with its current values.
 *
 * Call order: `startChunk` (when `idle`), `observe` with every item the stream makes, `watermark` for every logical
 * message; `progress` any time.
 */
export class SnapshotChunker {
  private pending: PendingChunk | undefined;
  private running = false;
  private current: SnapshotProgress;

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
      // pending before the low watermark is written: the stream may bring it back before the select has ended
      const pending: PendingChunk = { id, table, rows: [], baseTypes: [], columns: [], next: this.current, open: false, changed: new Set() };
      this.pending = pending;
      await this.emitWatermark('low', id);
      await this.settleBeforeSelect();
      const { after } = this.current;
      const keys = table.keyColumns.map((column) => quoteIdentifier(column)).join(', ');
      const where = after === undefined ? '' : `WHERE (${keys}) > (${after.map((_, i) => `$${i + 1}`).join(', ')})`;
      const select = table.columns.map((column) => quoteIdentifier(column)).join(', ');
      const result = await this.catalog.query({
        text: `SELECT ${select} FROM ${quoteQualifiedName({ schema: table.schema, name: table.table })} ${where} ORDER BY ${keys} LIMIT ${this.settings.chunkSize}`,
        values: after === undefined ? [] : [...after],
        types: TEXT_TYPES,
      });
      const rows = result.rows as Record<string, string | null>[];
      const last = rows[rows.length - 1];
      const next: SnapshotProgress =
        rows.length < this.settings.chunkSize || last === undefined
          ? { tables: rest }
          : { tables: this.current.tables, after: table.keyColumns.map((column) => last[column] ?? null) };
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

  /** Notes the keys the stream changed in the pending chunk's table while its window is open. */
  observe(items: readonly ChangeItem[]): void {
    const pending = this.pending;
    if (pending === undefined || !pending.open) return;
    for (const item of items) {
      const event = item.record?.value as ChangeEvent | undefined;
      if (event === undefined || event.schema !== pending.table.schema || event.table !== pending.table.table) continue;
      pending.changed.add(JSON.stringify(item.record?.key));
    }
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
    const records: LockstepRecord[] = [];
    for (const row of pending.rows) {
      const after: RowImage = {};
      pending.columns.forEach((column, i) => {
        after[column] = cdcValue(pending.baseTypes[i] as number, row[column] ?? null);
      });
      const key = rowKey(table, after);
      if (pending.changed.has(JSON.stringify(key))) continue;
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
      if (result.rows[0]?.done === true) return;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  private async emitWatermark(kind: 'low' | 'high', id: string): Promise<void> {
    await this.catalog.query('SELECT pg_logical_emit_message(true, $1::text, $2::text)', [WATERMARK_PREFIX, `${kind}:${id}`]);
  }
}
