import type { CommitOutcome, CommitRequest } from '../api/commit';
import type { LockstepRecord } from '../api/record';
import type { Versioned } from '../api/serializer';
import type { Sink } from '../api/sink';
import type { PersistedCommittable } from '../checkpoint/checkpoint-record';
import { SinkRecovery } from '../checkpoint/sink-recovery';
import { LockstepError } from '../errors';
import type { SinkWriterHandle } from '../checkpoint/sink-writer-handle';
import type { SinkFixture } from './sink-harness';
import { testInitContext } from './test-init-context';

/** A committable as a checkpoint record keeps it: serialized, with its checkpoint and the subtask that made it. */
export interface CommittableEntry {
  readonly checkpointId: number;
  readonly subtask: number;
  readonly committable: Versioned;
}

/** What the writers returned at one barrier, and the input positions (records handed to each writer) it covers. */
export interface PreparedSinkCheckpoint {
  readonly checkpointId: number;
  readonly committables: readonly CommittableEntry[];
  readonly positions: readonly number[];
  readonly writerStates: readonly (Versioned | undefined)[];
}

interface CompletedSinkCheckpoint {
  readonly checkpointId: number;
  readonly committables: CommittableEntry[];
  readonly positions: number[];
  readonly writerStates: (Versioned | undefined)[];
}

/**
 * What outlives a crash: the last completed checkpoint (as JSON text, like the checkpoint store) and the checkpoint
 * id counter, which never goes back, also across restarts.
 */
export class SinkCheckpointStore {
  nextCheckpointId = 1;
  /** Owner epoch of the last run started on this store: each run takes the next one, as a real store's owner does. */
  ownerEpoch = 0;
  completedJson: string | undefined;

  get completed(): CompletedSinkCheckpoint | undefined {
    return this.completedJson === undefined ? undefined : (JSON.parse(this.completedJson) as CompletedSinkCheckpoint);
  }
}

/** Which writers a run creates; all subtasks by default (a test of one writer's recovery picks one). */
export interface SinkRunOptions {
  readonly subtasks?: readonly number[];
}

/** The sink's id in the harness's pipeline. */
const SINK_ID = 'sink';

/**
 * One "process lifetime" of a sink, driven the way the engine drives it — through the engine's own
 * {@link SinkRecovery} and {@link SinkWriterHandle}: recovery commits the restored committables with a new committer
 * before any writer exists, then writers are created with the restored checkpoint id, their restored state and the
 * committables recovery left pending, and initialized; at each barrier writers flush and pre-commit, the checkpoint
 * completes (or is aborted), and the committer commits every pending committable. A crash is dropping the run
 * without closing it.
 */
export class SinkRun {
  /** Records handed to each subtask's writer so far, restored from the checkpoint on recovery. */
  readonly positions: number[];
  /** Outcomes of the recovery commit, one per restored committable (empty on a fresh start). */
  recoveryOutcomes: CommitOutcome[] = [];
  private readonly writers = new Map<number, SinkWriterHandle>();
  private readonly recovery: SinkRecovery;
  /** The restored checkpoint's committables as recovery commits them, in the order of the record. */
  private readonly restored: readonly { readonly entry: CommittableEntry; readonly persisted: PersistedCommittable }[];
  /** Pre-committed but not known to be committed: goes into the next completed checkpoint. */
  private pending: CommittableEntry[] = [];
  private toCommit: CommittableEntry[] = [];

  private constructor(
    readonly sink: Sink<unknown, unknown>,
    readonly parallelism: number,
    private readonly store: SinkCheckpointStore,
  ) {
    this.positions = Array.from({ length: parallelism }, () => 0);
    const restored = store.completed;
    this.restored = (restored?.committables ?? []).map((entry) => ({ entry, persisted: persisted(entry) }));
    this.recovery = new SinkRecovery({
      sinks: [{ sinkId: SINK_ID, sink }],
      restored: restored && { checkpointId: restored.checkpointId, committables: { [SINK_ID]: this.restored.map((r) => r.persisted) } },
      firstCheckpointId: store.nextCheckpointId,
      ownerEpoch: (store.ownerEpoch += 1),
      verifyOwner: async () => undefined,
      committerContext: () => testInitContext({ componentId: SINK_ID }),
      log: testInitContext().log,
    });
  }

  /** Starts a run: recovers from the store's last completed checkpoint when there is one. */
  static async start(fixture: SinkFixture, store: SinkCheckpointStore, options: SinkRunOptions = {}): Promise<SinkRun> {
    const parallelism = fixture.parallelism ?? 2;
    const run = new SinkRun(fixture.createSink(), parallelism, store);
    const restored = store.completed;
    if (restored !== undefined) {
      restored.positions.forEach((position, subtask) => (run.positions[subtask] = position));
      await run.recover();
    }
    const subtasks = options.subtasks ?? run.positions.map((_, subtask) => subtask);
    for (const subtask of subtasks) {
      const init = testInitContext({ componentId: SINK_ID, subtask, parallelism });
      const handle = run.recovery.createWriter(SINK_ID, run.sink, init, restored?.writerStates[subtask]);
      await handle.writer.init();
      run.writers.set(subtask, handle);
    }
    return run;
  }

  async write(subtask: number, records: readonly LockstepRecord[]): Promise<void> {
    await this.writer(subtask).writer.write(records);
    this.positions[subtask] = (this.positions[subtask] ?? 0) + records.length;
  }

  /** Barrier: every writer flushes and pre-commits under the next checkpoint id. */
  async prepare(endOfInput = false): Promise<PreparedSinkCheckpoint> {
    const checkpointId = this.store.nextCheckpointId++;
    const committables: CommittableEntry[] = [];
    const writerStates: (Versioned | undefined)[] = [];
    for (const [subtask, handle] of this.writers) {
      await handle.writer.flush(endOfInput);
      for (const committable of await handle.prepareCommit(checkpointId)) committables.push({ checkpointId, subtask, committable: jsonCopy(committable) });
      writerStates[subtask] = handle.snapshotState(checkpointId);
    }
    this.pending.push(...committables);
    return { checkpointId, committables, positions: [...this.positions], writerStates };
  }

  /** Completes a prepared checkpoint: its record lists every pending committable, older aborted ones included. */
  complete(prepared: PreparedSinkCheckpoint): void {
    const committables = this.pending.filter((entry) => entry.checkpointId <= prepared.checkpointId);
    const record: CompletedSinkCheckpoint = {
      checkpointId: prepared.checkpointId,
      committables,
      positions: [...prepared.positions],
      writerStates: [...prepared.writerStates],
    };
    this.store.completedJson = JSON.stringify(record);
    this.toCommit = committables;
  }

  /** Commits what the last completed checkpoint lists (only the first `limit`, to crash in the middle of a commit). */
  async commit(limit?: number): Promise<CommitOutcome[]> {
    const batch = this.toCommit.slice(0, limit);
    const outcomes = await this.commitEntries(batch);
    const settled = new Set(batch.filter((_, i) => isDone(outcomes[i])));
    this.pending = this.pending.filter((entry) => !settled.has(entry));
    this.toCommit = this.toCommit.filter((entry) => !settled.has(entry));
    return outcomes;
  }

  /** Commits serialized committables with this run's committer (after deserializing them, as recovery does). */
  async commitEntries(entries: readonly CommittableEntry[]): Promise<CommitOutcome[]> {
    if (entries.length === 0) return [];
    const handle = this.recovery.committers[0];
    if (handle === undefined) throw new LockstepError('the sink returned committables but has no committer', { code: 'LS_SINK_CONTRACT' });
    const requests: CommitRequest<unknown>[] = entries.map((entry) => ({
      committable: handle.serializer.deserialize(entry.committable.version, entry.committable.data),
      checkpointId: entry.checkpointId,
      attempt: 0,
    }));
    const outcomes = await handle.committer.commit(requests);
    if (outcomes.length !== requests.length) {
      throw new LockstepError(`the committer returned ${outcomes.length} outcomes for ${requests.length} requests`, { code: 'LS_COMMIT_CONTRACT' });
    }
    return outcomes;
  }

  /** Closes the writers only (what the engine does to a failed task: it must abort what is open). */
  async closeWriters(): Promise<void> {
    for (const handle of this.writers.values()) await handle.writer.close();
    this.writers.clear();
  }

  /** Clean shutdown. */
  async close(): Promise<void> {
    await this.closeWriters();
    for (const handle of this.recovery.committers) await handle.committer.close();
  }

  /** The engine's recovery commit; what answers retry-later stays pending, and the writers are told so. */
  private async recover(): Promise<void> {
    const outcomes = new Map<PersistedCommittable, CommitOutcome>();
    await this.recovery.commitRestored((_, entry, outcome) => outcomes.set(entry, outcome));
    this.recoveryOutcomes = this.restored.flatMap(({ persisted }) => outcomes.get(persisted) ?? []);
    this.pending = this.restored.filter(({ persisted }) => outcomes.get(persisted)?.kind === 'retry-later').map(({ entry }) => entry);
  }

  private writer(subtask: number): SinkWriterHandle {
    const handle = this.writers.get(subtask);
    if (handle === undefined) throw new LockstepError(`no writer for subtask ${subtask} in this run`, { code: 'LS_CONFORMANCE_FAILED' });
    return handle;
  }
}

/** A harness checkpoint's committable as the engine's checkpoint record keeps it. */
function persisted(entry: CommittableEntry): PersistedCommittable {
  return { checkpointId: entry.checkpointId, committable: entry.committable, attempts: 0 };
}

/** What a checkpoint record stores: JSON, so a committable must survive JSON as it is. */
function jsonCopy(committable: Versioned): Versioned {
  return JSON.parse(JSON.stringify(committable)) as Versioned;
}

/** True for the outcomes after which a committable is settled. */
export function isDone(outcome: CommitOutcome | undefined): boolean {
  return outcome?.kind === 'committed' || outcome?.kind === 'already-committed';
}
