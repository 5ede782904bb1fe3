import type { CommitOutcome, CommitRequest } from '../../api/commit';
import type { Committer } from '../../api/committer';
import type { SinkWriterInitContext } from '../../api/init-context';
import type { LockstepRecord } from '../../api/record';
import type { VersionedSerializer } from '../../api/serializer';
import type { CommittingSink } from '../../api/sink';
import type { SinkTrace, SupportsTraceInspection } from '../../api/sink-traces';
import type { CommittingSinkWriter } from '../../api/sink-writer';

/** A transaction of a {@link MemorySink}: `<subtask>-<checkpointId>`. */
export interface MemoryCommittable {
  readonly transactionId: string;
}

/**
 * Shared "database" of a {@link MemorySink}: prepared transactions and committed records, with hooks to inject
 * failures. Survives the engine's restarts within a test, as a real external system would.
 */
export class MemorySinkStore {
  readonly prepared = new Map<string, LockstepRecord[]>();
  readonly committed: Array<{ transactionId: string; checkpointId: number; records: LockstepRecord[] }> = [];
  readonly committedIds = new Set<string>();
  /** Called before each commit; return an outcome to override it (e.g. `retry-later`). */
  commitHook: ((request: CommitRequest<MemoryCommittable>) => CommitOutcome | undefined) | undefined;
  /** Awaited before each commit call (a slow commit). */
  commitDelay: (() => Promise<void>) | undefined;
  /** Called at each prepareCommit; may delay or throw. */
  prepareHook: ((checkpointId: number, subtask: number) => Promise<void>) | undefined;

  committedRecords(): LockstepRecord[] {
    return this.committed.flatMap((entry) => entry.records);
  }
}

const identity = <T>(): VersionedSerializer<T> => ({ version: 1, serialize: (v) => v, deserialize: (_v, d) => d as T });

/**
 * An in-memory two-phase-commit sink for engine tests. Its traces: committed transactions (named by checkpoint id) and
 * prepared ones; `clearTraces` drops the prepared ones and keeps what was committed.
 */
export class MemorySink implements CommittingSink<MemoryCommittable, never>, SupportsTraceInspection {
  readonly guarantee = 'exactly-once' as const;
  readonly mechanism = 'two-phase-commit' as const;
  readonly committableSerializer = identity<MemoryCommittable>();
  readonly tracesNameCheckpoints: boolean = true;
  /** Its transactions are named by checkpoint id, never reused: it can pre-commit while commits run when told so. */
  readonly preCommitsWhileCommitting: boolean;

  constructor(
    readonly store: MemorySinkStore,
    options: { readonly preCommitsWhileCommitting?: boolean } = {},
  ) {
    this.preCommitsWhileCommitting = options.preCommitsWhileCommitting === true;
  }

  createWriter(init: SinkWriterInitContext<MemoryCommittable>): CommittingSinkWriter<MemoryCommittable> {
    const { store } = this;
    let buffer: LockstepRecord[] = [];
    return {
      init: async () => {
        // Abort leftovers of this subtask opened after the restored checkpoint.
        for (const id of [...store.prepared.keys()]) {
          const [subtask, checkpointId] = id.split('-').map(Number);
          if (subtask === init.subtask && (init.restoredCheckpointId === undefined || (checkpointId ?? 0) > init.restoredCheckpointId)) {
            store.prepared.delete(id);
          }
        }
      },
      write: async (records) => {
        buffer.push(...records);
      },
      flush: async () => undefined,
      prepareCommit: async (checkpointId) => {
        await store.prepareHook?.(checkpointId, init.subtask);
        if (buffer.length === 0) return [];
        const transactionId = `${init.subtask}-${checkpointId}`;
        store.prepared.set(transactionId, buffer);
        buffer = [];
        return [{ transactionId }];
      },
      close: async () => {
        buffer = [];
      },
    };
  }

  async findTraces(): Promise<SinkTrace[]> {
    const { committed, prepared } = this.store;
    const traces: SinkTrace[] = [];
    if (committed.length > 0) {
      const checkpointId = Math.max(...committed.map((entry) => entry.checkpointId));
      traces.push({ state: 'committed', checkpointId, description: `${committed.length} committed transactions (newest of checkpoint ${checkpointId})` });
    }
    if (prepared.size > 0) traces.push({ state: 'uncommitted', description: `prepared transactions ${[...prepared.keys()].join(', ')}` });
    return traces;
  }

  async clearTraces(): Promise<string[]> {
    const dropped = this.store.prepared.size;
    this.store.prepared.clear();
    return [`dropped ${dropped} prepared transactions`, `kept ${this.store.committed.length} committed transactions`];
  }

  createCommitter(): Committer<MemoryCommittable> {
    const { store } = this;
    return {
      commit: async (requests) => {
        await store.commitDelay?.();
        return requests.map((request): CommitOutcome => {
          const override = store.commitHook?.(request);
          if (override) return override;
          const id = request.committable.transactionId;
          if (store.committedIds.has(id)) return { kind: 'already-committed' };
          const records = store.prepared.get(id);
          if (records === undefined) return { kind: 'failed-known', reason: `transaction ${id} is gone` };
          store.prepared.delete(id);
          store.committedIds.add(id);
          store.committed.push({ transactionId: id, checkpointId: request.checkpointId, records });
          return { kind: 'committed' };
        });
      },
      close: async () => undefined,
    };
  }
}
