import { rangeSplitId, type PostgresRangeSplit } from './postgres-table-split';

/**
 * The key ranges from `min` to `max` cut at `boundaries` (ascending, strictly between them): `[min, b1)`, `[b1, b2)`,
 * …, `[bk, max]` — the last one includes `max`. Values are Postgres text, never compared here.
 */
export function rangeSplits(min: string, boundaries: readonly string[], max: string): PostgresRangeSplit[] {
  const lowers = [min, ...boundaries];
  return lowers.map((lower, index) => {
    const next = boundaries[index];
    return next === undefined
      ? { splitId: rangeSplitId(index), kind: 'range', lower, upper: max, upperInclusive: true }
      : { splitId: rangeSplitId(index), kind: 'range', lower, upper: next, upperInclusive: false };
  });
}

/** Splits to cut a bounded read into: `splits` when set, else 4 per reader subtask. */
export function splitCount(configured: number | undefined, parallelism: number, perSubtask: number): number {
  return Math.max(1, configured ?? parallelism * perSubtask);
}
