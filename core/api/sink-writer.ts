import type { LockstepRecord } from './record';

/**
 * Writes records of one subtask.
 *
 * Call order: `init()` (abort leftovers, open the first transaction), then `write` any number of times; at each
 * barrier `flush(false)`, then — for a {@link CommittingSinkWriter} — `prepareCommit(n)`, then — for
 * {@link SupportsWriterState} — `snapshotState(n)`; at the end of a bounded input `flush(true)` before the final
 * barrier; `close()` last (also after a failure: it must then abort what is open). Never two calls at once.
 */
export interface SinkWriter {
  init(): Promise<void>;
  /**
   * Writes (or buffers) records. A record the sink refuses is reported by throwing a `RecordError` naming it; the
   * records before it in the batch must then be written and those from it on not: the engine applies the error
   * policy to that record and calls `write` again with the rest.
   */
  write(records: readonly LockstepRecord[]): Promise<void>;
  /** Makes everything written so far durable within the current transaction (or at-least-once: acknowledged). */
  flush(endOfInput: boolean): Promise<void>;
  close(): Promise<void>;
}

/**
 * A writer of a two-phase-commit sink (one with the `SupportsCommitter` mix-in, whose `createWriter` returns it).
 * `prepareCommit(n)` pre-commits what was written since the previous barrier
 * and returns the committables needed to commit it later, possibly from another process; it then opens the next
 * transaction. An empty transaction may return no committable.
 */
export interface CommittingSinkWriter<Committable> extends SinkWriter {
  prepareCommit(checkpointId: number): Promise<Committable[]>;
}

/** A writer with state of its own to checkpoint (besides committables), restored through the sink's factory. */
export interface SupportsWriterState<WriterState> {
  snapshotState(checkpointId: number): WriterState;
}

export function supportsWriterState<S>(writer: SinkWriter): writer is SinkWriter & SupportsWriterState<S> {
  return typeof (writer as Partial<SupportsWriterState<S>>).snapshotState === 'function';
}
