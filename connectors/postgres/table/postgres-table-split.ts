import type { SourceSplit } from '../../../core/sdk';

/**
 * A key range of a bounded read: keys from `lower` (inclusive) to `upper` (exclusive, or inclusive for the last
 * range), as Postgres text of the split column's type. `after` is the last key already emitted: reading resumes with
 * the first key greater than it.
 */
export interface PostgresRangeSplit extends SourceSplit {
  readonly kind: 'range';
  readonly lower: string;
  readonly upper: string;
  readonly upperInclusive: boolean;
  readonly after?: string;
}

/**
 * The single split of an incremental read: the `(incrementalColumn, keyColumn)` of the last row emitted (Postgres
 * text; `key` absent without a tie-breaker column), or nothing before the first row.
 */
export interface PostgresIncrementalSplit extends SourceSplit {
  readonly kind: 'incremental';
  readonly after?: { readonly value: string; readonly key?: string };
}

export type PostgresTableSplit = PostgresRangeSplit | PostgresIncrementalSplit;

/** Split id of the incremental split. */
export const INCREMENTAL_SPLIT_ID = 'incremental';

/** `range-0003`: zero-padded so ids sort in key order. */
export function rangeSplitId(index: number): string {
  return `range-${String(index).padStart(4, '0')}`;
}
