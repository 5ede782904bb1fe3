import type { Logger } from 'pino';

/** What every source reader, sink writer, committer and enumerator is created with. */
export interface InitContext {
  /** Pipeline name: part of transactional ids and gids, so it must stay the same across restarts. */
  readonly pipeline: string;
  /** The component's id in the pipeline config (`orders`, `pg`). */
  readonly componentId: string;
  /** Subtask index, `0 … parallelism-1` (0 for enumerators and committers). */
  readonly subtask: number;
  readonly parallelism: number;
  /** Logger bound to pipeline, component and subtask. */
  readonly log: Logger;
  /**
   * Tells the runtime about a connect that failed inside a client's own retries (kafkajs retries its connects before
   * it throws): the runtime folds it into its one-line messages (how many failed, the last error) instead of a line
   * per try, and fails at once on a host that does not resolve. The error should carry Node's `code` (`ECONNREFUSED`,
   * `ENOTFOUND`…) and the address (`broker` or `address`/`port`). Absent in contexts built outside the engine.
   */
  readonly reportConnectFailure?: (error: Error) => void;
  /**
   * Tells the runtime how far a source reader is behind the newest data of one of its splits, whenever it learns it
   * (Kafka: end offset − position, in `records`; Kinesis: `MillisBehindLatest`, in `milliseconds`; a CDC source: WAL
   * `bytes` behind). Shown as the `lockstep_source_lag` gauge of `lockstep serve`. Cheap: call it as often as the
   * value is known. Absent in contexts built outside the engine.
   */
  readonly reportSourceLag?: (split: string, unit: 'records' | 'milliseconds' | 'bytes', value: number) => void;
}

/**
 * A sink writer's context also tells it where recovery stands. `Committable` is its sink's committable type (`never`
 * for a sink without committer: it has none pending). Tests build one with `testSinkWriterInitContext` (core/testing).
 */
export interface SinkWriterInitContext<Committable = never> extends InitContext {
  /**
   * Id of the checkpoint the pipeline restored from (undefined on a fresh start). Transactions this writer's naming
   * scheme opened for a later checkpoint id are leftovers of the crashed run and must be aborted before writing.
   */
  readonly restoredCheckpointId: number | undefined;
  /** The id the next checkpoint will at least have: everything the writer opens now belongs to ids ≥ this. */
  readonly firstCheckpointId: number;
  /**
   * This sink's committables (all subtasks) that recovery could not commit yet (they answered retry-later) and that
   * later checkpoints will commit: the only pre-committed transactions a writer may leave alone at start. Every
   * other transaction its naming scheme pre-committed is a leftover. Empty on a fresh start.
   */
  readonly pendingCommittables: readonly Committable[];
  /**
   * Owner epoch of this process's checkpoint store: greater than that of every process that ran the pipeline before
   * from the same store. A sink can name its sessions or transactions with it, so that a newer owner's can be told
   * from a zombie's.
   */
  readonly ownerEpoch: number;
  /**
   * Resolves while this process owns the pipeline's checkpoint store; rejects with `LS_CHECKPOINT_FENCED` once a
   * newer owner took it over (this process is a paused or partitioned zombie). Call it before anything that would
   * fence or undo another instance's work — re-initializing a transactional id, terminating sessions, rolling back
   * transactions of a newer epoch — and stop with its error.
   */
  readonly verifyOwner: () => Promise<void>;
}
