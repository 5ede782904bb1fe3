import type { PostgresTableSplit } from './postgres-table-split';

/**
 * What the enumerator checkpoints: whether it planned the splits (min/max of the split column read once, at the first
 * start) and the splits it has not handed out. Handed-out splits come back with the readers' states.
 */
export interface PostgresTableEnumeratorState {
  readonly planned: boolean;
  readonly unassigned: readonly PostgresTableSplit[];
}
