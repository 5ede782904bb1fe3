import type { CheckpointRecord } from './checkpoint-record';

/** What a checkpoint store knows of its own past, as of its last `open`, `latest`, `reset` or write. */
export interface StoreHistory {
  /** Nothing of an earlier run: no id counter and no checkpoint (a new store, or one deleted as a whole). */
  readonly empty: boolean;
  /** The newest checkpoint id recorded as completed (0: none since the store began or was reset), also when its record is gone. */
  readonly lastCompleted: number;
  /** Checkpoint ids up to this one belong to runs abandoned by `reset` (0: never reset); sinks may hold what they committed. */
  readonly resetThrough: number;
}

/** How to open a checkpoint store. */
export interface StoreOpenOptions {
  /**
   * Take the store over from its current owner even when that one looks alive or cannot be checked (another host):
   * the operator's deliberate decision (`lockstep run --take-over`) that it hangs or is gone. It is fenced.
   */
  readonly takeOver?: boolean;
}

/** What `open` did. */
export interface StoreOpened {
  /** This process's owner epoch: greater than every earlier owner's. */
  readonly ownerEpoch: number;
  /** With `takeOver` when a live or unverifiable owner was displaced: whom, for the log. */
  readonly tookOver?: string;
}

/**
 * Durable home of completed checkpoints and of the checkpoint id counter.
 *
 * Call order: `open()`; `reserveCheckpointId()` before each trigger (ids strictly increase and are never reused,
 * also across restarts and aborted checkpoints); `save(record)` when a checkpoint completed — atomic: after a crash
 * the store holds either the previous record or the new one, never a torn one — and before anything of it is
 * committed, so that `history().lastCompleted` is never behind a commit; `latest()` at recovery; `close()` at the end.
 *
 * One owner at a time: `open()` takes the store with a new, strictly greater owner epoch and is refused
 * (`LS_CHECKPOINT_OWNED`) while a live process owns it; every write first checks that this owner was not taken over
 * (else `LS_CHECKPOINT_FENCED`, fatal). Every record read is validated (`LS_CHECKPOINT_CORRUPT`, fatal, names the file).
 *
 * The store states facts and does not judge them: whether a start may go on when `latest()` is older than
 * `history().lastCompleted` (checkpoint records were removed) is the runner's decision, with the sinks' traces
 * (core/runtime/start-check.ts).
 */
export interface CheckpointStore {
  /** Takes the store. @throws LS_CHECKPOINT_OWNED when another process owns it (unless `takeOver`). */
  open(options?: StoreOpenOptions): Promise<StoreOpened>;
  /**
   * Resolves while this process owns the store. @throws LS_CHECKPOINT_FENCED (fatal) once another owner took it over:
   * a paused or partitioned process that woke up, whose every further write would duplicate or undo the newer
   * owner's. `latest`, `loadSavepoint` and every write check it first.
   */
  verifyOwner(): Promise<void>;
  /** Releases ownership (a clean end); the store cannot be written afterwards. */
  close(): Promise<void>;
  /**
   * Deletes every checkpoint (not the savepoints) so that `latest()` starts fresh. The ids handed out so far and up to
   * `abandonThrough` (the newest checkpoint id the sinks still hold traces of) are abandoned: `history().resetThrough`
   * covers them and new ids are greater. Returns how many checkpoints were deleted.
   */
  reset(abandonThrough?: number): Promise<number>;
  /** Ids handed out from now on are greater than `past`; recorded durably (the store is no longer `empty`). */
  advanceCheckpointIds(past: number): Promise<void>;
  /** What the store knows of its past (valid after `open`). */
  history(): StoreHistory;
  /** The id the next `reserveCheckpointId` will return (valid after `open`). */
  peekNextCheckpointId(): number;
  /**
   * Returns an id greater than every id handed out before, durably. Ids need not be consecutive: a store may reserve
   * the next id ahead (the local store does so in the counter write of `save`), and an id reserved but never used is
   * skipped.
   */
  reserveCheckpointId(): Promise<number>;
  /**
   * Writes `record` durably. `onDurable`, when given, is called as soon as the record itself is durable (the
   * checkpoint can be restored from it), before the rest of the save (the local store's id counter) is written.
   */
  save(record: CheckpointRecord, onDurable?: () => void): Promise<void>;
  /**
   * The newest checkpoint record the store holds (re-reading the id counter), or undefined when it holds none. Compare
   * with `history().lastCompleted`: a newer checkpoint may have completed and its record been removed since.
   * @throws LS_CHECKPOINT_CORRUPT when the newest record is damaged (no silent fallback to an older one).
   */
  latest(): Promise<CheckpointRecord | undefined>;
  /** Writes `record` also as a named savepoint that retention never deletes; returns where. */
  saveSavepoint(name: string, record: CheckpointRecord): Promise<string>;
  /** Loads a savepoint by name (from this store) or a savepoint or checkpoint file by path. */
  loadSavepoint(nameOrPath: string): Promise<CheckpointRecord>;
  /** Human-readable location, for logs. */
  readonly location: string;
}
