import type { Client, FieldDef } from 'pg';
import { type InitContext, LockstepError, type LockstepRecord, RecordError, SourceReaderBase } from '../../../core/sdk';
import { describePostgresTarget, TEXT_TYPES } from '../connection';
import { mapPostgresSourceError } from './error-mapping';
import { incrementalPageQuery, rangePageQuery, type SqlStatement } from './page-query';
import type { PostgresTableSourceConfig } from './postgres-table-source-config';
import type { PostgresTableSplit } from './postgres-table-split';
import { recordKeyColumn, resolveReadColumns, type ReadColumns } from './read-columns';
import type { ReadTarget } from './read-plan';
import { RowDecoder, type TextRow } from './row-decoding';

/** What a reader needs besides its init context. */
export interface PostgresTableReaderSettings {
  readonly config: PostgresTableSourceConfig;
  readonly target: ReadTarget;
  readonly fetchSize: number;
  readonly pollIntervalMs: number;
  /** Opens a session with `DateStyle = ISO` and `TimeZone = UTC`. */
  readonly connect: (init: InitContext, role: string) => Promise<Client>;
}

/** A fetched row waiting to be returned, with the position it moves its split to. */
interface BufferedRow {
  readonly row: TextRow;
  readonly after: PostgresTableSplit['after'];
}

/** A split being read; its position moves with every row returned. */
interface TableSplitState {
  split: PostgresTableSplit;
}

/**
 * Reads the splits assigned to one subtask, one after the other: each `pollNext` hands out rows of a page fetched
 * with keyset pagination (a short statement per page, no transaction held open, no OFFSET) and moves the split's
 * position to the key of the last row it returned — exactly what `snapshotState` stores, so a restore continues right
 * after it. A key range leaves the reader once a page came back short; the incremental split never ends: once a page
 * comes back short, the next query waits `pollInterval`.
 *
 * Call order: the engine's (`SourceReader`). The connection opens at the first poll that has a split to read.
 */
export class PostgresTableSourceReader extends SourceReaderBase<PostgresTableSplit, TableSplitState> {
  private buffer: BufferedRow[] = [];
  private fields: readonly FieldDef[] = [];
  /** The last page of the current range split came back short: it ends when the buffer is empty. */
  private lastPageFetched = false;
  private nextQueryAt = 0;
  private client: Client | undefined;
  private columns: ReadColumns | undefined;
  private decoder: RowDecoder | undefined;

  constructor(
    private readonly init: InitContext,
    private readonly settings: PostgresTableReaderSettings,
  ) {
    super(init.log);
  }

  protected initSplitState(split: PostgresTableSplit): TableSplitState {
    return { split };
  }

  protected toSplit({ split }: TableSplitState): PostgresTableSplit {
    // rows fetched but not returned are fetched again after a restore: the position is the last row returned
    return split.after === undefined ? { ...split } : ({ ...split, after: copyAfter(split.after) } as PostgresTableSplit);
  }

  protected async readRecords(max: number): Promise<LockstepRecord[]> {
    const { split } = this.currentSplit as TableSplitState;
    const rangeDone = split.kind === 'range' && this.lastPageFetched;
    if (this.buffer.length === 0 && !rangeDone) {
      if (split.kind === 'incremental' && Date.now() < this.nextQueryAt) return [];
      await this.fetchPage(split);
    }
    if (this.buffer.length > 0) return this.take(max);
    if (split.kind === 'range' && this.lastPageFetched) {
      this.log.debug({ split: split.splitId }, 'postgres key range read to its end');
      this.lastPageFetched = false;
      this.finishSplit(split.splitId);
    }
    return [];
  }

  protected whenAvailable(): number {
    const incrementalWaiting = this.currentSplit?.split.kind === 'incremental' && this.buffer.length === 0;
    return incrementalWaiting ? this.nextQueryAt - Date.now() : 0;
  }

  protected override async onClose(): Promise<void> {
    await this.dropConnection();
  }

  /** Up to `max` buffered rows as records; the current split's position moves to the last one. */
  private take(max: number): LockstepRecord[] {
    const decoder = this.decoder as RowDecoder;
    const records: LockstepRecord[] = [];
    while (records.length < max && this.buffer.length > 0) {
      const next = this.buffer[0] as BufferedRow;
      let record: LockstepRecord;
      try {
        record = decoder.decode(this.fields, next.row);
      } catch (error) {
        if (records.length > 0 || !RecordError.isRecordError(error)) break;
        // refused rows are passed too: the error policy handles this one, reading goes on after it
        this.advance(next);
        throw error;
      }
      this.advance(next);
      records.push(record);
    }
    return records;
  }

  private advance(row: BufferedRow): void {
    this.buffer.shift();
    const state = this.currentSplit as TableSplitState;
    state.split = { ...state.split, after: row.after } as PostgresTableSplit;
  }

  private async fetchPage(split: PostgresTableSplit): Promise<void> {
    const { fetchSize, target } = this.settings;
    const client = await this.connection();
    const columns = this.columns as ReadColumns;
    let statement: SqlStatement;
    if (split.kind === 'range') {
      if (columns.mode !== 'bounded') throw stateMismatch(split.splitId);
      statement = rangePageQuery(target.from, columns.splitColumn, split, fetchSize);
    } else {
      if (columns.mode !== 'incremental') throw stateMismatch(split.splitId);
      statement = incrementalPageQuery(target.from, columns.columns, split, fetchSize);
    }
    let rows: TextRow[];
    try {
      const result = await client.query<TextRow>({ text: statement.text, values: [...statement.values], types: TEXT_TYPES });
      rows = result.rows;
      this.fields = result.fields;
    } catch (error) {
      await this.dropConnection();
      throw mapPostgresSourceError(error, `read ${target.name}`, describePostgresTarget(this.settings.config));
    }
    this.buffer = this.positioned(rows, columns, split.after);
    if (rows.length < fetchSize) {
      if (split.kind === 'range') this.lastPageFetched = true;
      else this.nextQueryAt = Date.now() + this.settings.pollIntervalMs;
    }
  }

  /** Each row with the position after it; two rows at the same position mean the key is not unique. */
  private positioned(rows: readonly TextRow[], columns: ReadColumns, previous: PostgresTableSplit['after']): BufferedRow[] {
    let last = previous === undefined ? undefined : JSON.stringify(previous);
    return rows.map((row) => {
      const after = positionOf(row, columns);
      const text = JSON.stringify(after);
      if (text === last) throw notUnique(this.settings.target.name, columns, text);
      last = text;
      return { row, after };
    });
  }

  private async connection(): Promise<Client> {
    if (this.client !== undefined) return this.client;
    const { config, target } = this.settings;
    const client = await this.settings.connect(this.init, `reader-${this.init.subtask}`);
    try {
      this.columns ??= await resolveReadColumns(client, config, target);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw mapPostgresSourceError(error, `look up the columns of ${target.name}`, describePostgresTarget(config));
    }
    this.decoder ??= new RowDecoder(target.name, recordKeyColumn(this.columns));
    this.client = client;
    return client;
  }

  private async dropConnection(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}

function positionOf(row: TextRow, columns: ReadColumns): PostgresTableSplit['after'] {
  if (columns.mode === 'bounded') return row[columns.splitColumn] ?? undefined;
  const value = row[columns.columns.incrementalColumn] ?? '';
  const { keyColumn } = columns.columns;
  return keyColumn === undefined ? { value } : { value, key: row[keyColumn] ?? '' };
}

function copyAfter(after: NonNullable<PostgresTableSplit['after']>): NonNullable<PostgresTableSplit['after']> {
  return typeof after === 'string' ? after : { ...after };
}

function notUnique(name: string, columns: ReadColumns, position: string): LockstepError {
  const column = columns.mode === 'bounded' ? columns.splitColumn : columns.columns.keyColumn ?? columns.columns.incrementalColumn;
  const advice = columns.mode === 'bounded' ? 'choose a unique splitColumn' : 'set keyColumn to a unique column as tie-breaker';
  return new LockstepError(
    `postgres source: two rows of ${name} share the position ${position} (${column} is not unique): resuming after it would ` +
      `skip rows; ${advice}`,
    { code: 'LS_CONFIG_INVALID', context: { column } },
  );
}

function stateMismatch(splitId: string): LockstepError {
  return new LockstepError(
    `postgres source: the checkpoint holds split ${splitId}, which does not fit the configured mode; start without the checkpoint`,
    { code: 'LS_STATE_INVALID', context: { split: splitId } },
  );
}
