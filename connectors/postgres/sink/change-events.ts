import { type LockstepRecord, RecordError } from '../../../core/sdk';
import type { ColumnSource, ResolvedSinkConfig } from './postgres-sink-config';
import { describeRecord, type EncodedRow, type RowEncoder } from './row-encoding';

/** The operations of a change event (the `op` of postgres-cdc records). */
const OPERATIONS: ReadonlySet<string> = new Set(['read', 'insert', 'update', 'delete', 'truncate']);

/** The fields of a postgres-cdc change event (`connectors/postgres/cdc/change-event.ts`), and nothing else. */
const ENVELOPE: ReadonlySet<string> = new Set(['op', 'schema', 'table', 'before', 'after', 'lsn', 'commitLsn', 'xid', 'commitTime']);

/** The part of a change event the sink reads. */
interface ChangeFacts {
  readonly op: string;
  readonly schema?: unknown;
  readonly table?: unknown;
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function isImage(value: unknown): value is Record<string, unknown> | null {
  return value === null || isObject(value);
}

/**
 * True when `value` is exactly a postgres-cdc change event: an object with the nine fields of the envelope and no
 * other, `op` one of read/insert/update/delete/truncate, `schema`/`table`/`lsn`/`commitLsn` strings, `before`/`after`
 * objects or null, `xid` a number or null, `commitTime` a string or null. This is the `changes: auto` rule: it
 * holds for the records of the postgres-cdc source, and across a Kafka hop (JSON value format) too, since it looks
 * at the value only (no header needed); a row of a table with exactly these nine columns would be taken for one (set
 * `changes: off` to keep a change log as rows).
 */
export function isChangeEvent(value: unknown): boolean {
  if (!isObject(value)) return false;
  const fields = Object.keys(value);
  if (fields.length !== ENVELOPE.size || !fields.every((field) => ENVELOPE.has(field))) return false;
  const { op, schema, table, before, after, lsn, commitLsn, xid, commitTime } = value;
  return (
    typeof op === 'string' &&
    OPERATIONS.has(op) &&
    typeof schema === 'string' &&
    typeof table === 'string' &&
    isImage(before) &&
    isImage(after) &&
    typeof lsn === 'string' &&
    typeof commitLsn === 'string' &&
    (xid === null || typeof xid === 'number') &&
    (commitTime === null || typeof commitTime === 'string')
  );
}

/** Why `value` cannot be applied as a change event under `changes: apply` (which needs only op, before, after), or undefined. */
function changeProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'value is not an object';
  const { op, before, after } = value;
  if (typeof op !== 'string' || !OPERATIONS.has(op)) return `op is ${JSON.stringify(op) ?? 'missing'}, not one of read, insert, update, delete, truncate`;
  if (!isImage(before ?? null)) return 'before is not an object or null';
  if (!isImage(after ?? null)) return 'after is not an object or null';
  return undefined;
}

function changeError(record: LockstepRecord, message: string, field?: string): RecordError {
  return new RecordError(`${describeRecord(record)}: ${message}`, record, { code: 'LS_POSTGRES_CHANGE', ...(field === undefined ? {} : { field }) });
}

/**
 * Turns change events into the rows that apply them to the target table, in order:
 *
 * - `read`, `insert`, `update`: an `upsert` of the `after` image on the key (`INSERT … ON CONFLICT (key) DO UPDATE`
 *   the columns the image has, so a column left out — an unchanged TOASTed value — keeps its value);
 * - an `update` whose `before` holds a different key, under `changes: apply`: first a `delete` of the old key (for
 *   sources that report a key change as one update). Not under `auto`: postgres-cdc emits the old key's delete as a
 *   record of its own, keyed by the old key, just before the update — the only order-safe place when the records
 *   crossed a key-partitioned hop (Kafka): the update, keyed by the new key, may reach the sink after a later
 *   re-insert of the old key from another partition, and deleting the old key then would delete the new row;
 * - `delete`: a `delete` by the key, read from `before`, else from the record key;
 * - `truncate`: refused as a bad record (`truncate: refuse`, the default) or a `truncate` row (`DELETE FROM` the table).
 *
 * The key is the configured `key`, else the table's primary key. With `columns`, each column is read from its path in
 * the row image (`before`/`after`), not in the event.
 */
export class ChangeEncoder {
  /** Each key column and where in a row image it comes from. */
  private readonly keySources: readonly ColumnSource[];

  constructor(
    private readonly config: Pick<ResolvedSinkConfig, 'changes' | 'truncate' | 'columns'>,
    private readonly encoder: RowEncoder,
    /** The change key: the configured `key`, else the table's primary key (empty: the table has none). */
    readonly key: readonly string[],
    private readonly tableName: string,
  ) {
    this.keySources = key.map((column) => config.columns?.find((source) => source.column === column) ?? { column, path: [column] });
  }

  /** The rows applying `record`, or undefined when it is not a change event to apply (it is then written as a row). */
  encode(record: LockstepRecord): EncodedRow[] | undefined {
    const { changes } = this.config;
    if (changes === 'off') return undefined;
    if (changes === 'auto' && !isChangeEvent(record.value)) return undefined;
    const problem = changeProblem(record.value);
    if (problem !== undefined) throw changeError(record, `not a change event (changes: apply): ${problem}`);
    const event = record.value as ChangeFacts;
    const source = typeof event.schema === 'string' && typeof event.table === 'string' ? ` of ${event.schema}.${event.table}` : '';
    if (event.op === 'truncate') {
      if (this.config.truncate !== 'apply') {
        throw changeError(record, `a truncate${source} is refused: set truncate: apply on the sink to delete every row of ${this.tableName}`);
      }
      return [{ record, op: 'truncate', columns: [], values: [], shape: 'truncate' }];
    }
    if (this.key.length === 0) {
      throw changeError(record, `a change event needs key columns to apply it, and ${this.tableName} has no primary key: set key on the sink`);
    }
    this.checkColumnPaths(record, event);
    if (event.op === 'delete') {
      const image = event.before ?? (isObject(record.key) ? record.key : null);
      if (image === null) throw changeError(record, `a delete${source} has neither before nor an object record key to find its row by`);
      return [this.keyRow(record, image, 'before')];
    }
    if (event.after === null) throw changeError(record, `an ${event.op}${source} has no after row`);
    const upsert = this.encoder.encodeObject(record, event.after, 'upsert', undefined, 'after');
    const missing = this.key.filter((column) => !upsert.columns.includes(column));
    if (missing.length > 0) throw changeError(record, `after has no value for key column(s) ${missing.join(', ')} of ${this.tableName}`, missing[0]);
    if (this.config.changes === 'apply' && event.op === 'update' && event.before !== null && this.keySources.every((key) => hasPath(event.before as Record<string, unknown>, key.path))) {
      const old = this.keyRow(record, event.before, 'before');
      const current = this.key.map((column) => upsert.values[upsert.columns.indexOf(column)] ?? null);
      if (old.values.some((value, i) => value !== current[i])) return [old, upsert];
    }
    return [upsert];
  }

  /**
   * For a record written as a row whose value has `op`, `before` and `after` but not exactly the change-event shape
   * (`changes: auto` did not take it): a hint to add to its refusal, or undefined.
   */
  hint(record: LockstepRecord): string | undefined {
    const value = record.value;
    if (this.config.changes !== 'auto' || !isObject(value) || !('op' in value && 'before' in value && 'after' in value)) return undefined;
    const fields = Object.keys(value);
    const extra = fields.filter((field) => !ENVELOPE.has(field));
    const missing = [...ENVELOPE].filter((field) => !fields.includes(field));
    const differences = [...(missing.length > 0 ? [`without ${missing.join(', ')}`] : []), ...(extra.length > 0 ? [`with ${extra.join(', ')}`] : [])];
    return (
      `; it looks like a change event but is not exactly the postgres-cdc envelope (${differences.length > 0 ? differences.join(', ') : 'a field of another type'}), ` +
      'so changes: auto wrote it as a row: set changes: apply on the sink to apply it'
    );
  }

  /** A `delete` row: the key columns read from `image` (before, or the record key). */
  private keyRow(record: LockstepRecord, image: Record<string, unknown>, what: string): EncodedRow {
    const missing = this.keySources.filter((key) => !hasPath(image, key.path)).map((key) => key.column);
    if (missing.length > 0) throw changeError(record, `${what} has no value for key column(s) ${missing.join(', ')} of ${this.tableName}`, missing[0]);
    return this.encoder.encodeObject(record, image, 'delete', this.keySources, what);
  }

  /**
   * `columns` read from the row image in change mode: a mapping written for the event (`after.id`, as before change
   * events were applied) would read nothing, so it is refused, naming the fix.
   */
  private checkColumnPaths(record: LockstepRecord, event: ChangeFacts): void {
    const image = event.after ?? event.before ?? {};
    const stale = this.config.columns?.find((source) => (source.path[0] === 'after' || source.path[0] === 'before') && source.path.length > 1 && !(source.path[0] in image));
    if (stale !== undefined) {
      throw changeError(
        record,
        `column ${stale.column} maps ${stale.path.join('.')}, but change events are applied and columns are read from the row image: ` +
          `map ${stale.path.slice(1).join('.')} instead, or set changes: off to write the event itself`,
        stale.column,
      );
    }
  }
}

function hasPath(object: Record<string, unknown>, path: readonly string[]): boolean {
  let current: unknown = object;
  for (const part of path) {
    if (!isObject(current) || !(part in current)) return false;
    current = current[part];
  }
  return true;
}
