import { type LockstepRecord, RecordError } from '../../../core/sdk';
import type { ColumnSource } from './postgres-sink-config';

/** A column of the target table, as the catalog describes it. */
export interface TableColumn {
  readonly name: string;
  /** `format_type` of the column (`integer`, `character varying(20)`, `jsonb`, `text[]`). */
  readonly type: string;
  /** True for array types: JavaScript arrays are written as Postgres array literals. */
  readonly isArray: boolean;
}

/**
 * What a row does to the table: `row` is a plain record written as `mode` says (insert or upsert on `key`); the others
 * come from change events (`change-events.ts`): `upsert` on the change key, `delete` by the key (its columns are the
 * key columns), `truncate` deletes every row (no columns).
 */
export type RowOperation = 'row' | 'upsert' | 'delete' | 'truncate';

/** A record turned into text values (each column's input function parses them), one per column. */
export interface EncodedRow {
  readonly record: LockstepRecord;
  readonly op: RowOperation;
  readonly columns: readonly string[];
  readonly values: readonly (string | null)[];
  /** Same for rows of the same operation and column list: rows of one statement share it. */
  readonly shape: string;
}

export function describeRecord(record: LockstepRecord): string {
  return `record ${record.origin ?? '(no origin)'}`;
}

/** A JavaScript array as a Postgres array literal (`{"a","b",NULL}`, nested for multi-dimensional arrays). */
export function arrayLiteral(values: readonly unknown[]): string {
  const items = values.map((item) => {
    if (item === null || item === undefined) return 'NULL';
    if (Array.isArray(item)) return arrayLiteral(item);
    const text = scalarText(item);
    return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  });
  return `{${items.join(',')}}`;
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  throw new TypeError(`a ${typeof value} cannot be written`);
}

/**
 * The text a value is written as, for COPY and for INSERT parameters alike (the column's input function parses it,
 * so both paths accept and refuse the same values): strings as they are; numbers, bigints, booleans as their text;
 * dates as ISO 8601; bytes as `\x…` hex, and base64 strings into bytea columns too; arrays into array columns as array
 * literals; other objects and arrays as JSON (for json/jsonb columns); null and undefined as NULL.
 */
export function columnText(value: unknown, column: TableColumn | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value) && column?.isArray === true) return arrayLiteral(value);
  if (typeof value === 'string' && column?.type === 'bytea') return byteaText(value);
  return scalarText(value);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * A string for a bytea column: lockstep carries bytes in JSON-safe records as **base64** (the Postgres sources, dead
 * letters), so it is decoded; a string in Postgres' own hex form (`\x00ff`) is taken as it is. Anything else is refused
 * rather than stored as the bytes of its characters.
 */
function byteaText(value: string): string {
  if (value.startsWith('\\x')) return value;
  if (!BASE64.test(value)) throw new TypeError("a string for a bytea column must be base64 (how lockstep carries bytes) or Postgres hex ('\\x00ff')");
  return `\\x${Buffer.from(value, 'base64').toString('hex')}`;
}

export function fieldAt(value: Record<string, unknown>, path: readonly string[]): unknown {
  let current: unknown = value;
  for (const part of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/**
 * Turns records into rows of the target table. With explicit column sources each column is read from its field path
 * (a missing field is NULL); without, every top-level field of the value fills the same-named column, and a field
 * without a column is a bad record. A value that is not an object, or a field that cannot be written, is a bad
 * record naming the record's origin and the column.
 */
export class RowEncoder {
  constructor(
    private readonly sources: readonly ColumnSource[] | undefined,
    private readonly table: ReadonlyMap<string, TableColumn>,
    private readonly tableName: string,
  ) {}

  encode(record: LockstepRecord): EncodedRow {
    const value = record.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
      const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : value instanceof Uint8Array ? 'bytes' : `a ${typeof value}`;
      throw new RecordError(`${describeRecord(record)}: value is ${kind}, not an object of fields (add a json transform?)`, record, {
        code: 'LS_POSTGRES_RECORD_SHAPE',
      });
    }
    return this.encodeObject(record, value as Record<string, unknown>, 'row');
  }

  /**
   * `object`'s fields as a row of `op`: from the configured column sources (or `only` of them), else from every
   * top-level field. A field without a column, or a value that cannot be written, is a bad record.
   */
  encodeObject(record: LockstepRecord, object: Record<string, unknown>, op: RowOperation, only?: readonly ColumnSource[], what = 'value'): EncodedRow {
    const sources = only ?? this.sources ?? Object.keys(object).sort().map((field) => ({ column: field, path: [field] }));
    if (sources.length === 0) throw new RecordError(`${describeRecord(record)}: ${what} has no fields to write`, record, { code: 'LS_POSTGRES_RECORD_SHAPE' });
    const columns: string[] = [];
    const values: (string | null)[] = [];
    for (const source of sources) {
      const column = this.table.get(source.column);
      if (column === undefined) {
        throw new RecordError(`${describeRecord(record)}: field ${source.column}${what === 'value' ? '' : ` of ${what}`} has no column in ${this.tableName}`, record, {
          code: 'LS_POSTGRES_UNKNOWN_COLUMN',
          field: source.column,
        });
      }
      try {
        values.push(columnText(fieldAt(object, source.path), column));
      } catch (error) {
        throw new RecordError(`${describeRecord(record)}: column ${source.column}: ${(error as Error).message}`, record, {
          code: 'LS_POSTGRES_VALUE',
          field: source.column,
          cause: error,
        });
      }
      columns.push(source.column);
    }
    return { record, op, columns, values, shape: `${op}\0${columns.join('\0')}` };
  }
}
