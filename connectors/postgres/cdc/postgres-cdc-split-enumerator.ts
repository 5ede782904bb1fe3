import type { SplitEnumerator, SplitEnumeratorContext } from '../../../core/sdk';
import type { PostgresCdcSplit } from './postgres-cdc-split';

/** Whether the one split was handed out; from then on it lives in the reader's checkpointed state. */
export interface PostgresCdcEnumeratorState {
  readonly assigned: boolean;
}

/**
 * A replication slot is one ordered stream that one connection reads at a time, so the source has exactly one split
 * (named after the slot), always assigned to subtask 0; other subtasks stay idle.
 *
 * Call order: the engine's (`SplitEnumerator`). No I/O: the reader sets up publication and slot.
 */
export class PostgresCdcSplitEnumerator implements SplitEnumerator<PostgresCdcSplit, PostgresCdcEnumeratorState> {
  private assigned: boolean;

  constructor(
    private readonly context: SplitEnumeratorContext<PostgresCdcSplit>,
    private readonly slot: string,
    restored?: PostgresCdcEnumeratorState,
  ) {
    this.assigned = restored?.assigned ?? false;
  }

  async start(): Promise<void> {
    if (this.assigned) return;
    this.context.assignSplits(0, [{ splitId: this.slot, progress: { phase: 'new' } }]);
    this.assigned = true;
  }

  addSplitsBack(splits: readonly PostgresCdcSplit[], subtask: number): void {
    this.context.assignSplits(subtask, splits);
  }

  snapshotState(_checkpointId: number): PostgresCdcEnumeratorState {
    return { assigned: this.assigned };
  }

  async close(): Promise<void> {}
}
