import type { SourceSplit } from './source-split';

/** What the engine offers an enumerator. */
export interface SplitEnumeratorContext<Split extends SourceSplit> {
  /** Number of reader subtasks of this source. */
  readonly parallelism: number;
  /** Hands splits to a reader subtask; they are part of the next checkpoint from the moment they are assigned. */
  assignSplits(subtask: number, splits: readonly Split[]): void;
  /** Tells a reader it will get no more splits, so it may finish once its splits end (bounded sources). */
  signalNoMoreSplits(subtask: number): void;
}

/**
 * Discovers splits and assigns them to reader subtasks; runs once per source, beside the checkpoint coordinator.
 *
 * Call order: `start()` once (restored enumerators get their state through `Source.restoreEnumerator`); then any
 * number of `addSplitsBack` (splits of a failed reader) and `snapshotState(checkpointId)` calls; `close()` last.
 * Splits already handed out are checkpointed with their readers, so the enumerator only snapshots what it still holds.
 */
export interface SplitEnumerator<Split extends SourceSplit, EnumState> {
  start(): Promise<void>;
  /** Splits returned because their reader is being restarted. */
  addSplitsBack(splits: readonly Split[], subtask: number): void;
  snapshotState(checkpointId: number): EnumState;
  close(): Promise<void>;
}
