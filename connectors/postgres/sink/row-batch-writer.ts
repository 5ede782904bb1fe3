import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { type LockstepRecord, postgresStateCode, RecordError } from '../../../core/sdk';
import { isPostgresDataError, postgresError, sqlState } from '../errors';
import type { ResolvedSinkConfig } from './postgres-sink-config';
import type { ChangeEncoder } from './change-events';
import type { EncodedRow, RowEncoder, TableColumn } from './row-encoding';
import { copyStatement, copyText, deleteStatement, insertStatement, MAX_PARAMETERS } from './sink-statements';

/** The table a {@link RowBatchWriter} writes to. */
export interface TargetTable {
  /** Quoted `"schema"."table"`. */
  readonly sql: string;
  /** As configured, for messages. */
  readonly name: string;
  readonly columns: ReadonlyMap<string, TableColumn>;
}

/**
 * Writes records into the current transaction of `client`, in statements of up to `batchSize` rows (COPY or
 * multi-row INSERT). A statement runs under a savepoint: when it fails for its data (SQLSTATE class 22 or 23, 42703)
 * it is rolled back and its rows are written one by one, each under its own savepoint, until the one that fails: that
 * record is refused with a {@link RecordError} naming its origin and column; the rows before it stay written, those
 * after it are not (the engine applies the error policy and hands them back).
 */
export class RowBatchWriter {
  constructor(
    private readonly client: Client,
    private readonly config: ResolvedSinkConfig,
    private readonly encoder: RowEncoder,
    private readonly table: TargetTable,
    private readonly changes: ChangeEncoder,
    private readonly beforeDelete?: (client: Client) => Promise<void>,
  ) {}

  /**
   * Writes `records` in order; throws a RecordError for the first refused one after writing those before it. A change
   * event becomes the rows that apply it (an upsert, a delete, both for a key change, or a truncate); the order of
   * all rows is kept across statements.
   */
  async write(records: readonly LockstepRecord[]): Promise<void> {
    const rows: EncodedRow[] = [];
    let refused: unknown;
    for (const record of records) {
      try {
        const change = this.changes.encode(record);
        if (change === undefined) rows.push(this.encodeRow(record));
        else rows.push(...change);
      } catch (error) {
        refused = error;
        break;
      }
    }
    for (const chunk of this.chunks(rows)) await this.writeChunk(chunk);
    if (refused !== undefined) throw refused;
  }

  /** A plain record as a row; a refusal of what looks like a change event says how to apply it. */
  private encodeRow(record: LockstepRecord): EncodedRow {
    try {
      return this.encoder.encode(record);
    } catch (error) {
      const hint = RecordError.isRecordError(error) && error.code === 'LS_POSTGRES_UNKNOWN_COLUMN' ? this.changes.hint(record) : undefined;
      if (hint === undefined) throw error;
      const field = (error as RecordError).context?.field;
      throw new RecordError(`${(error as RecordError).message}${hint}`, record, {
        code: 'LS_POSTGRES_UNKNOWN_COLUMN',
        cause: error,
        ...(typeof field === 'string' ? { field } : {}),
      });
    }
  }

  /**
   * Consecutive rows of one operation and column list, at most `batchSize` (and 65,535 parameters for INSERT and
   * DELETE; a truncate alone); an upsert statement also ends before a key it already holds, since ON CONFLICT DO UPDATE
   * cannot touch one row twice. Rows of one statement are thus never reordered against each other's effects: a delete
   * and a later upsert of one key are two statements, run in order.
   */
  private *chunks(rows: readonly EncodedRow[]): Generator<EncodedRow[]> {
    let chunk: EncodedRow[] = [];
    let keys = new Set<string>();
    // Fixed for a column list: worked out when it changes, not per row.
    let shape: string | undefined;
    let limit = 0;
    let keyIndexes: number[] = [];
    for (const row of rows) {
      if (row.shape !== shape) {
        shape = row.shape;
        const parameters = row.op === 'truncate' ? 1 : row.op === 'row' && this.config.write === 'copy' ? undefined : row.columns.length;
        limit = parameters === undefined ? this.config.batchSize : Math.min(this.config.batchSize, Math.floor(MAX_PARAMETERS / parameters));
        if (row.op === 'truncate') limit = 1;
        keyIndexes = this.conflictKey(row).map((column) => row.columns.indexOf(column));
      }
      const key = keyIndexes.length === 0 ? undefined : JSON.stringify(keyIndexes.map((index) => row.values[index] ?? null));
      const first = chunk[0];
      if (first !== undefined && (first.shape !== row.shape || chunk.length >= limit || (key !== undefined && keys.has(key)))) {
        yield chunk;
        chunk = [];
        keys = new Set();
      }
      chunk.push(row);
      if (key !== undefined) keys.add(key);
    }
    if (chunk.length > 0) yield chunk;
  }

  /** The ON CONFLICT columns of a row's statement: none for a plain insert, a delete or a truncate. */
  private conflictKey(row: EncodedRow): readonly string[] {
    if (row.op === 'upsert') return this.changes.key;
    if (row.op === 'row' && this.config.mode === 'upsert') return this.config.key;
    return [];
  }

  private async writeChunk(chunk: readonly EncodedRow[]): Promise<void> {
    const op = (chunk[0] as EncodedRow).op;
    if ((op === 'delete' || op === 'truncate') && this.beforeDelete !== undefined) await this.beforeDelete(this.client);
    const refused = await this.underSavepoint('lockstep_batch', () => this.execute(chunk, this.config.write));
    if (refused === undefined) return;
    if (chunk.length === 1) throw this.refusal(chunk[0] as EncodedRow, refused);
    for (const row of chunk) await this.writeAlone(row);
  }

  /** One row under its own savepoint: the failing row of a refused statement is found this way. */
  private async writeAlone(row: EncodedRow): Promise<void> {
    const refused = await this.underSavepoint('lockstep_row', () => this.execute([row], 'insert'));
    if (refused !== undefined) throw this.refusal(row, refused);
  }

  /**
   * Runs `write` under savepoint `name`. A failure for its data (see `isPostgresDataError`) is rolled back to the
   * savepoint and returned, so the transaction goes on; any other failure is thrown.
   */
  private async underSavepoint(name: string, write: () => Promise<void>): Promise<unknown> {
    await this.query(`SAVEPOINT ${name}`);
    try {
      await write();
      await this.query(`RELEASE SAVEPOINT ${name}`);
      return undefined;
    } catch (error) {
      if (!isPostgresDataError(error)) throw postgresError(error, `cannot write to ${this.table.name}`);
      await this.query(`ROLLBACK TO SAVEPOINT ${name}`);
      await this.query(`RELEASE SAVEPOINT ${name}`);
      return error;
    }
  }

  private async execute(rows: readonly EncodedRow[], write: 'copy' | 'insert'): Promise<void> {
    const first = rows[0] as EncodedRow;
    const columns = first.columns;
    if (first.op === 'truncate') {
      await this.client.query(`DELETE FROM ${this.table.sql}`);
      return;
    }
    if (first.op === 'delete') {
      await this.client.query(deleteStatement(this.table.sql, columns, rows.length), rows.flatMap((row) => row.values));
      return;
    }
    if (write === 'copy' && first.op === 'row') {
      const stream = this.client.query(copyFrom(copyStatement(this.table.sql, columns)));
      await pipeline(Readable.from([copyText(rows.map((row) => row.values))]), stream);
      return;
    }
    await this.client.query(
      insertStatement(this.table.sql, columns, rows.length, this.conflictKey(first)),
      rows.flatMap((row) => row.values),
    );
  }

  private async query(sql: string): Promise<void> {
    try {
      await this.client.query(sql);
    } catch (error) {
      throw postgresError(error, `cannot write to ${this.table.name}`);
    }
  }

  private refusal(row: EncodedRow, error: unknown): RecordError {
    const column = offendingColumn(error, row, this.table.columns);
    const state = sqlState(error) ?? 'unknown';
    const message = error instanceof Error ? error.message : String(error);
    return new RecordError(
      `record ${row.record.origin ?? '(no origin)'} refused by ${this.table.name}${column === undefined ? '' : `, column ${column}`}: ${message} (SQLSTATE ${state})`,
      row.record,
      { code: postgresStateCode(state), cause: error, ...(column === undefined ? {} : { field: column }) },
    );
  }
}

/**
 * The column a single-row statement failed on, from what Postgres tells: `column` (not-null violations), the bind
 * parameter or COPY column in `where` (bad input syntax), the key in `detail` (unique violations), or the type in the message when
 * one column of the row has it (value too long, out of range).
 */
export function offendingColumn(error: unknown, row: EncodedRow, table: ReadonlyMap<string, TableColumn>): string | undefined {
  const facts = error as { column?: string; where?: string; detail?: string; message?: string };
  if (typeof facts.column === 'string' && facts.column !== '') return facts.column;
  const parameter = /parameter \$(\d+)/.exec(facts.where ?? '');
  if (parameter !== null) return row.columns[(Number(parameter[1]) - 1) % row.columns.length];
  const copyColumn = /^COPY .*, line \d+, column (.+?): /m.exec(facts.where ?? '');
  if (copyColumn !== null) return copyColumn[1];
  const key = /^Key \((.+?)\)=/.exec(facts.detail ?? '');
  if (key !== null) return key[1];
  const type = /for type ([^:]+?)(?::|$)/.exec(facts.message ?? '');
  if (type !== null) {
    const candidates = row.columns.filter((name, i) => table.get(name)?.type === type[1] && row.values[i] !== null);
    if (candidates.length === 1) return candidates[0];
  }
  const missing = /column "(.+?)" of relation/.exec(facts.message ?? '');
  return missing?.[1];
}
