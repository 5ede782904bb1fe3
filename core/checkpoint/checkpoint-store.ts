import type { CheckpointRecord } from './checkpoint-record';

/**
 * Durable home of completed checkpoints and of the checkpoint id counter.
 *
 * Call order: `open()`; `reserveCheckpointId()` before each trigger (ids strictly increase and are never reused,
 * also across restarts and aborted checkpoints); `save(record)` when a checkpoint completed — atomic: after a crash
 * the store holds either the previous record or the new one, never a torn one; `latest()` at recovery; `close()` at
 * the end.
 *
 * One owner at a time: `open()` takes the store with a new, strictly greater owner epoch and is refused
 * (`LS_CHECKPOINT_OWNED`) while a live process owns it; every write first checks that this owner was not taken over
 * (else `LS_CHECKPOINT_FENCED`, fatal). Every record read is validated (`LS_CHECKPOINT_CORRUPT`, fatal, names the file).
 */
export interface CheckpointStore {
  open(): Promise<void>;
  /** Releases ownership (a clean end); the store cannot be written afterwards. */
  close(): Promise<void>;
  /** Deletes every checkpoint (not the savepoints) so that `latest()` starts fresh; ids keep increasing. Returns how many. */
  reset(): Promise<number>;
  /** The id the next `reserveCheckpointId` will return (valid after `open`). */
  peekNextCheckpointId(): number;
  /** Returns an id greater than every id handed out before, durably. */
  reserveCheckpointId(): Promise<number>;
  save(record: CheckpointRecord): Promise<void>;
  /**
   * The newest completed checkpoint (re-reading the id counter), or undefined when the pipeline never completed one.
   * @throws LS_CHECKPOINT_CORRUPT when the newest is damaged (no silent fallback to an older one);
   *   LS_CHECKPOINT_MISSING when the store completed checkpoints before but holds none now.
   */
  latest(): Promise<CheckpointRecord | undefined>;
  /** Writes `record` also as a named savepoint that retention never deletes; returns where. */
  saveSavepoint(name: string, record: CheckpointRecord): Promise<string>;
  /** Loads a savepoint by name (from this store) or by file path. */
  loadSavepoint(nameOrPath: string): Promise<CheckpointRecord>;
  /** Human-readable location, for logs. */
  readonly location: string;
}
