import type { Versioned } from '../api/serializer';

/**
 * Format version of the checkpoint record itself (its layout, not the connectors' states). 2 adds `ownerEpoch` and the
 * file's checksum; records of version 1 are still read.
 */
export const CHECKPOINT_FORMAT_VERSION = 2;

/** Why a checkpoint was taken. `final` ends a bounded input; `savepoint` is a stop-with-savepoint. */
export type CheckpointKind = 'periodic' | 'final' | 'savepoint';

/** A committable waiting for its commit, with the checkpoint that made it durable. */
export interface PersistedCommittable {
  readonly checkpointId: number;
  readonly committable: Versioned;
  /** Commit attempts so far (retry-later outcomes). */
  readonly attempts: number;
}

export interface SourceSnapshot {
  readonly enumerator: Versioned;
  /** Split states by reader subtask. */
  readonly splits: Readonly<Record<string, readonly Versioned[]>>;
}

export interface SinkSnapshot {
  /** Writer states by subtask (stateful writers only). */
  readonly writerStates: Readonly<Record<string, Versioned>>;
  /** Every committable not yet known to be committed, this checkpoint's and older pending ones. */
  readonly committables: readonly PersistedCommittable[];
}

/**
 * One completed checkpoint, written atomically to the checkpoint store. Recovery restores exactly this: source
 * positions, transform and writer state, and the committables to commit before any record flows.
 */
export interface CheckpointRecord {
  readonly formatVersion: number;
  readonly pipeline: string;
  readonly checkpointId: number;
  readonly kind: CheckpointKind;
  /** Epoch ms when the checkpoint was triggered. */
  readonly triggeredAt: number;
  /** Epoch ms when the record was written. */
  readonly completedAt: number;
  /** The parallelism per component when taken (for rescaling on restore). */
  readonly parallelism: Readonly<Record<string, number>>;
  readonly sources: Readonly<Record<string, SourceSnapshot>>;
  /** Transform state by transform id and subtask (stateful transforms only). */
  readonly transforms: Readonly<Record<string, Readonly<Record<string, Versioned>>>>;
  readonly sinks: Readonly<Record<string, SinkSnapshot>>;
  /** True when every source had reached the end of its input (a finished bounded pipeline). */
  readonly finished: boolean;
  /** Epoch of the store owner that wrote the record (set by the store; absent in format version 1). */
  readonly ownerEpoch?: number;
}
