import type { CommitOutcome, CommitRequest } from '../api/commit';
import type { Committer } from '../api/committer';
import type { LockstepRecord } from '../api/record';
import type { Versioned } from '../api/serializer';
import type { Sink } from '../api/sink';
import { isCommittingSinkWriter, supportsWriterState, type SinkWriter } from '../api/sink-writer';
import { LockstepError } from '../errors';
import type { SinkFixture } from './sink-harness';
import { testInitContext, testSinkWriterInitContext } from './test-init-context';

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
  completedJson: string | undefined;

  get completed(): CompletedSinkCheckpoint | undefined {
    return this.completedJson === undefined ? undefined : (JSON.parse(this.completedJson) as CompletedSinkCheckpoint);
  }
}

/** Which writers a run creates; all subtasks by default (a test of one writer's recovery picks one). */
export interface SinkRunOptions {
  readonly subtasks?: readonly number[];
}

/**
 * One "process lifetime" of a sink, driven the way the engine drives it: recovery commits the restored committables
 * with a new committer before any writer exists, then writers are created and initialized with the restored
 * checkpoint id; at each barrier writers flush and pre-commit, the checkpoint completes (or is aborted), and the
 * committer commits every pending committable. A crash is dropping the run without closing it.
 */
export class SinkRun {
  /** Records handed to each subtask's writer so far, restored from the checkpoint on recovery. */
  readonly positions: number[];
  /** Outcomes of the recovery commit (empty on a fresh start). */
  recoveryOutcomes: CommitOutcome[] = [];
  private readonly writers = new Map<number, SinkWriter>();
  private committer: Committer<unknown> | undefined;
  /** Pre-committed but not known to be committed: goes into the next completed checkpoint. */
  private pending: CommittableEntry[] = [];
  private toCommit: CommittableEntry[] = [];

  private constructor(
    readonly sink: Sink<unknown, unknown>,
    readonly parallelism: number,
    private readonly store: SinkCheckpointStore,
  ) {
    this.positions = Array.from({ length: parallelism }, () => 0);
  }

  /** Starts a run: recovers from the store's last completed checkpoint when there is one. */
  static async start(fixture: SinkFixture, store: SinkCheckpointStore, options: SinkRunOptions = {}): Promise<SinkRun> {
    const parallelism = fixture.parallelism ?? 2;
    const run = new SinkRun(fixture.createSink(), parallelism, store);
    const restored = store.completed;
    run.committer = run.sink.createCommitter?.(testInitContext({ componentId: 'sink', parallelism }));
    if (restored !== undefined) {
      restored.positions.forEach((position, subtask) => (run.positions[subtask] = position));
      run.recoveryOutcomes = await run.commitEntries(restored.committables);
      run.pending = restored.committables.filter((_, i) => run.recoveryOutcomes[i]?.kind === 'retry-later');
    }
    const subtasks = options.subtasks ?? run.positions.map((_, subtask) => subtask);
    for (const subtask of subtasks) {
      const init = testSinkWriterInitContext({
        componentId: 'sink',
        subtask,
        parallelism,
        restoredCheckpointId: restored?.checkpointId,
        firstCheckpointId: store.nextCheckpointId,
      });
      const state = restored?.writerStates[subtask];
      const serializer = run.sink.writerStateSerializer;
      const restoredState = state && serializer ? serializer.deserialize(state.version, state.data) : undefined;
      const writer = run.sink.createWriter(init, restoredState);
      await writer.init();
      run.writers.set(subtask, writer);
    }
    return run;
  }

  async write(subtask: number, records: readonly LockstepRecord[]): Promise<void> {
    await this.writer(subtask).write(records);
    this.positions[subtask] = (this.positions[subtask] ?? 0) + records.length;
  }

  /** Barrier: every writer flushes and pre-commits under the next checkpoint id. */
  async prepare(endOfInput = false): Promise<PreparedSinkCheckpoint> {
    const checkpointId = this.store.nextCheckpointId++;
    const committables: CommittableEntry[] = [];
    const writerStates: (Versioned | undefined)[] = [];
    for (const [subtask, writer] of this.writers) {
      await writer.flush(endOfInput);
      if (isCommittingSinkWriter<unknown>(writer)) {
        for (const committable of await writer.prepareCommit(checkpointId)) {
          committables.push({ checkpointId, subtask, committable: this.serializeCommittable(committable) });
        }
      }
      const serializer = this.sink.writerStateSerializer;
      if (supportsWriterState<unknown>(writer) && serializer !== undefined) {
        const data = serializer.serialize(writer.snapshotState(checkpointId));
        writerStates[subtask] = { version: serializer.version, data };
      }
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
    const { committer } = this;
    const serializer = this.sink.committableSerializer;
    if (committer === undefined || serializer === undefined) {
      throw new LockstepError('the sink returned committables but has no committer or committable serializer', { code: 'LS_SINK_CONTRACT' });
    }
    const requests: CommitRequest<unknown>[] = entries.map((entry) => ({
      committable: serializer.deserialize(entry.committable.version, entry.committable.data),
      checkpointId: entry.checkpointId,
      attempt: 0,
    }));
    const outcomes = await committer.commit(requests);
    if (outcomes.length !== requests.length) {
      throw new LockstepError(`the committer returned ${outcomes.length} outcomes for ${requests.length} requests`, { code: 'LS_COMMIT_CONTRACT' });
    }
    return outcomes;
  }

  /** Closes the writers only (what the engine does to a failed task: it must abort what is open). */
  async closeWriters(): Promise<void> {
    for (const writer of this.writers.values()) await writer.close();
    this.writers.clear();
  }

  /** Clean shutdown. */
  async close(): Promise<void> {
    await this.closeWriters();
    await this.committer?.close();
  }

  private writer(subtask: number): SinkWriter {
    const writer = this.writers.get(subtask);
    if (writer === undefined) throw new LockstepError(`no writer for subtask ${subtask} in this run`, { code: 'LS_CONFORMANCE_FAILED' });
    return writer;
  }

  private serializeCommittable(committable: unknown): Versioned {
    const serializer = this.sink.committableSerializer;
    if (serializer === undefined) {
      throw new LockstepError('the writer returned a committable but the sink has no serializer for it', { code: 'LS_SINK_CONTRACT' });
    }
    const persisted = { version: serializer.version, data: serializer.serialize(committable) };
    return JSON.parse(JSON.stringify(persisted)) as Versioned;
  }
}

/** True for the outcomes after which a committable is settled. */
export function isDone(outcome: CommitOutcome | undefined): boolean {
  return outcome?.kind === 'committed' || outcome?.kind === 'already-committed';
}
