import type { LockstepRecord } from './record';
import type { SourceSplit } from './source-split';

/** Result of one `pollNext`. */
export type PollResult =
  /** Records read; more may be available at once. */
  | { readonly status: 'records'; readonly records: readonly LockstepRecord[] }
  /** Nothing right now; the engine waits on `isAvailable()` (and checkpoint triggers) before polling again. */
  | { readonly status: 'nothing-available' }
  /** Every assigned split ended and no more will come: the reader is finished (bounded input). */
  | { readonly status: 'end-of-input' };

/**
 * Reads the splits assigned to one subtask.
 *
 * Call order: `start()`; `addSplits` (restored splits first, then any from the enumerator) and `notifyNoMoreSplits`
 * at any time between polls; `pollNext` repeatedly; `snapshotState(n)` between two polls, when the engine injects
 * barrier n — it must describe exactly the position after the last record returned; `notifyCheckpointComplete(n)`
 * after checkpoint n is durable (best effort: e.g. to acknowledge a replication slot); `close()` last.
 * The engine never calls two methods at once.
 */
export interface SourceReader<Split extends SourceSplit> {
  start(): Promise<void>;
  addSplits(splits: readonly Split[]): void;
  notifyNoMoreSplits(): void;
  /** Returns up to about `maxRecords` records. */
  pollNext(maxRecords: number): Promise<PollResult>;
  /** Resolves when `pollNext` may have records again. */
  isAvailable(): Promise<void>;
  /** The state of every split this reader currently owns. */
  snapshotState(checkpointId: number): Split[];
  notifyCheckpointComplete?(checkpointId: number): Promise<void>;
  close(): Promise<void>;
}
