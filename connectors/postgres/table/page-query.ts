import { LockstepError } from '../../../core/sdk';
import { quoteIdentifier } from '../sql';
import type { PostgresIncrementalSplit, PostgresRangeSplit } from './postgres-table-split';

/** A parameterized statement. */
export interface SqlStatement {
  readonly text: string;
  readonly values: readonly unknown[];
}

/**
 * The next page of a key range: keys after the last one emitted (or from the range's lower bound) up to its upper
 * bound, in key order. Keyset pagination: every page is a short statement of its own, no transaction stays open and
 * no OFFSET is scanned over.
 */
export function rangePageQuery(from: string, column: string, split: PostgresRangeSplit, limit: number): SqlStatement {
  const key = quoteIdentifier(column);
  const lower = split.after === undefined ? `${key} >= $1` : `${key} > $1`;
  const upper = `${key} ${split.upperInclusive ? '<=' : '<'} $2`;
  return {
    text: `SELECT * FROM ${from} WHERE ${lower} AND ${upper} ORDER BY ${key} LIMIT ${integer(limit)}`,
    values: [split.after ?? split.lower, split.upper],
  };
}

/** Columns an incremental read orders by and resumes after. */
export interface IncrementalColumns {
  readonly incrementalColumn: string;
  /** Tie-breaker; absent when `incrementalColumn` is unique on its own. */
  readonly keyColumn: string | undefined;
  /** Only rows whose incremental column is at least this many ms old (timestamp columns). */
  readonly lagMs: number;
}

/** The next page of an incremental read: rows after the last `(incrementalColumn, keyColumn)` emitted. */
export function incrementalPageQuery(
  from: string,
  columns: IncrementalColumns,
  split: PostgresIncrementalSplit,
  limit: number,
): SqlStatement {
  const value = quoteIdentifier(columns.incrementalColumn);
  const key = columns.keyColumn === undefined ? undefined : quoteIdentifier(columns.keyColumn);
  const conditions: string[] = [];
  const values: unknown[] = [];
  const after = split.after;
  if (after === undefined) {
    conditions.push(`${value} IS NOT NULL`);
    if (key !== undefined) conditions.push(`${key} IS NOT NULL`);
  } else if (key === undefined) {
    values.push(after.value);
    conditions.push(`${value} > $1`);
  } else {
    values.push(after.value, after.key ?? null);
    conditions.push(`(${value}, ${key}) > ($1, $2)`);
  }
  if (columns.lagMs > 0) {
    values.push(columns.lagMs);
    conditions.push(`${value} <= now() - $${values.length} * interval '1 millisecond'`);
  }
  const order = key === undefined ? value : `${value}, ${key}`;
  return { text: `SELECT * FROM ${from} WHERE ${conditions.join(' AND ')} ORDER BY ${order} LIMIT ${integer(limit)}`, values };
}

function integer(value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new LockstepError(`page size must be a positive integer, got ${value}`, { code: 'LS_CONFIG_INVALID' });
  return value;
}
