import type { Logger } from 'pino';
import type { InitContext } from '../api/init-context';
import type { Versioned } from '../api/serializer';
import { supportsCommitter, type CommittingSink, type Sink } from '../api/sink';
import type { PersistedCommittable } from './checkpoint-record';
import { PendingCommits, type CommitObserver, type CommitSummary } from './pending-commits';
import type { SinkCommitterHandle } from './sink-committer-handle';
import { sinkWriterHandle, type SinkWriterHandle } from './sink-writer-handle';

/** What recovery needs of the restored checkpoint: its id and the committables it lists, per sink. */
export interface RestoredCommits {
  readonly checkpointId: number;
  readonly committables: Readonly<Record<string, readonly PersistedCommittable[]>>;
}

export interface SinkRecoveryOptions {
  readonly sinks: readonly { readonly sinkId: string; readonly sink: Sink }[];
  /** Undefined on a fresh start. */
  readonly restored: RestoredCommits | undefined;
  /** The id the next checkpoint will at least have (the store's next id). */
  readonly firstCheckpointId: number;
  /** The checkpoint store's owner epoch and its check, for the writers' init contexts. */
  readonly ownerEpoch: number;
  readonly verifyOwner: () => Promise<void>;
  /** The context of sink `sinkId`'s committer (subtask 0 of 1). */
  readonly committerContext: (sinkId: string) => InitContext;
  readonly log: Logger;
}

/**
 * Recovery of a pipeline's sinks (docs/design.md §1, step 8), one code path for the engine and the conformance
 * harness: creates the committers of the committing sinks, commits the restored checkpoint's committables before any
 * writer exists, then creates each writer with its restored state and an init context that says where recovery
 * stands — the restored checkpoint id, the first id it may use, and the committables still pending (retry-later).
 */
export class SinkRecovery {
  /** What is not committed yet, per sink; later checkpoints commit it. */
  readonly pending: PendingCommits;
  readonly committers: readonly SinkCommitterHandle[];
  private readonly pendingForWriters = new Map<string, readonly unknown[]>();

  /** Creates the committers (no I/O by contract); `commitRestored` commits. */
  constructor(private readonly options: SinkRecoveryOptions) {
    const handles = new Map<string, SinkCommitterHandle>();
    for (const { sinkId, sink } of options.sinks) {
      if (!supportsCommitter(sink)) continue;
      const committer = sink.createCommitter(options.committerContext(sinkId));
      handles.set(sinkId, { sinkId, committer, serializer: sink.committableSerializer });
    }
    this.committers = [...handles.values()];
    this.pending = new PendingCommits(handles, options.log);
  }

  get restoredCheckpointId(): number | undefined {
    return this.options.restored?.checkpointId;
  }

  /** Commits the restored committables; what answers retry-later stays pending and is what writers leave alone. */
  async commitRestored(observe?: CommitObserver): Promise<CommitSummary | undefined> {
    const { restored, log } = this.options;
    if (restored === undefined) return undefined;
    for (const [sinkId, committables] of Object.entries(restored.committables)) this.pending.add(sinkId, committables);
    const summary = await this.pending.commitAll(observe);
    log.info({ checkpointId: restored.checkpointId, ...summary }, 'recovered: restored commits done before any record flows');
    return summary;
  }

  /** Creates the writer of `sink` for the subtask `init` names (after `commitRestored`). */
  createWriter(sinkId: string, sink: Sink, init: InitContext, restoredState: Versioned | undefined): SinkWriterHandle {
    const stateSerializer = sink.writerStateSerializer;
    const state = restoredState && stateSerializer ? stateSerializer.deserialize(restoredState.version, restoredState.data) : undefined;
    const { firstCheckpointId, ownerEpoch, verifyOwner } = this.options;
    const base = { ...init, restoredCheckpointId: this.restoredCheckpointId, firstCheckpointId, ownerEpoch, verifyOwner };
    if (!supportsCommitter(sink)) {
      return sinkWriterHandle(sink.createWriter({ ...base, pendingCommittables: [] }, state), undefined, stateSerializer);
    }
    const writer = sink.createWriter({ ...base, pendingCommittables: this.pendingCommittables(sinkId, sink) }, state);
    return sinkWriterHandle(writer, { writer, serializer: sink.committableSerializer }, stateSerializer);
  }

  /** What recovery left pending for `sinkId`, deserialized once for all its writers. */
  private pendingCommittables(sinkId: string, sink: CommittingSink): readonly unknown[] {
    let committables = this.pendingForWriters.get(sinkId);
    if (committables === undefined) {
      const serializer = sink.committableSerializer;
      committables = this.pending.of(sinkId).map(({ committable }) => serializer.deserialize(committable.version, committable.data));
      this.pendingForWriters.set(sinkId, committables);
    }
    return committables;
  }
}
