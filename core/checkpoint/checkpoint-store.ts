import type { CheckpointRecord } from './checkpoint-record';

/**
 * Durable home of completed checkpoints and of the checkpoint id counter.
 *
 * Call order: `open()`; `reserveCheckpointId()` before each trigger (ids strictly increase and are never reused,
 * also across restarts and aborted checkpoints); `save(record)` when a checkpoint completed — atomic: after a crash
 * the store holds either the previous record or the new one, never a torn one; `latest()` at recovery.
 */
export interface CheckpointStore {
  open(): Promise<void>;
  /** The id the next `reserveCheckpointId` will return (valid after `open`). */
  peekNextCheckpointId(): number;
  /** Returns an id greater than every id handed out before, durably. */
  reserveCheckpointId(): Promise<number>;
  save(record: CheckpointRecord): Promise<void>;
  /** The newest completed checkpoint, or undefined when the pipeline never completed one. */
  latest(): Promise<CheckpointRecord | undefined>;
  /** Writes `record` also as a named savepoint that retention never deletes; returns where. */
  saveSavepoint(name: string, record: CheckpointRecord): Promise<string>;
  /** Loads a savepoint by name (from this store) or by file path. */
  loadSavepoint(nameOrPath: string): Promise<CheckpointRecord>;
  /** Human-readable location, for logs. */
  readonly location: string;
}
