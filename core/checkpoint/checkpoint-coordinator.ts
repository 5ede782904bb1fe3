import type { Logger } from 'pino';
import type { Versioned } from '../api/serializer';
import { LockstepError } from '../errors';
import {
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointKind,
  type CheckpointRecord,
  type PersistedCommittable,
  type SinkSnapshot,
  type SourceSnapshot,
} from './checkpoint-record';
import type { CheckpointStore } from './checkpoint-store';
import { crashPoint } from './crash-points';
import type { CommitSummary, PendingCommits } from './pending-commits';
import { taskId, type ReaderSnapshot, type TaskSnapshot, type WriterSnapshot } from './task-snapshot';

/** A reader task as the coordinator sees it: barriers are injected there. */
export interface BarrierTarget {
  readonly taskId: string;
  injectBarrier(checkpointId: number, kind: CheckpointKind): void;
  notifyCheckpointComplete(checkpointId: number): void;
}

export interface CheckpointCoordinatorOptions {
  readonly pipeline: string;
  readonly store: CheckpointStore;
  readonly timeoutMs: number;
  readonly log: Logger;
  readonly readers: readonly BarrierTarget[];
  /** Ids of every writer task that must acknowledge. */
  readonly writerTaskIds: readonly string[];
  /** Snapshots each source's enumerator at trigger time. */
  readonly snapshotEnumerators: (checkpointId: number) => Readonly<Record<string, Versioned>>;
  readonly parallelism: Readonly<Record<string, number>>;
  readonly pendingCommits: PendingCommits;
  readonly sinkIds: readonly string[];
  /** Savepoint name to store a `savepoint` checkpoint under (besides the regular record). */
  readonly savepointName?: () => string;
}

/** Where the time of a completed checkpoint went (ms), and the size of its record. */
export interface CheckpointTimings {
  /** Trigger to complete: every task acknowledged and the record is durable (Flink's checkpoint duration). */
  readonly durationMs: number;
  /** Trigger to the last acknowledgement (barriers through the channels, the sinks' pre-commit). */
  readonly alignMs: number;
  /** Writing the record durably (with the id counter). */
  readonly saveMs: number;
  /** Bytes of the record as written. */
  readonly recordBytes: number;
}

/** A checkpoint whose record is durable; its commits run on (see {@link CheckpointCoordinator.trigger}). */
export interface DurableCheckpoint extends CheckpointTimings {
  readonly status: 'durable';
  readonly record: CheckpointRecord;
  /** Settles when the commits of every checkpoint up to this one were tried; rejects when a commit failed. */
  readonly committed: Promise<CompletedCheckpoint>;
}

/** A checkpoint that completed and whose commits were tried. */
export interface CompletedCheckpoint extends CheckpointTimings {
  readonly status: 'completed';
  readonly record: CheckpointRecord;
  readonly commits: CommitSummary;
  /** Record durable to commits done (including the wait for the previous checkpoint's commits). */
  readonly commitMs: number;
}

export interface AbortedCheckpoint {
  readonly status: 'aborted';
  readonly checkpointId: number;
  readonly reason: string;
}

/** What a triggered checkpoint came to. */
export type CheckpointResult = CompletedCheckpoint | AbortedCheckpoint;

interface InFlight {
  readonly id: number;
  readonly kind: CheckpointKind;
  readonly triggeredAt: number;
  readonly enumerators: Readonly<Record<string, Versioned>>;
  readonly acks: Map<string, TaskSnapshot>;
  readonly settle: (result: DurableCheckpoint | AbortedCheckpoint | Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Runs the checkpoint protocol (docs/design.md §1): trigger with a fresh id, inject barriers at every reader,
 * collect acknowledgements from every reader and writer, write one atomic record, then commit every pending
 * committable of checkpoints ≤ n. One checkpoint is in flight at a time; its commits start once its record is
 * durable and run on while the next checkpoint is triggered and aligned (commits of successive checkpoints one after
 * another, never side by side). A checkpoint that times out is aborted; the committables its writers produced (also
 * those acknowledged late) roll into the next checkpoint.
 */
export class CheckpointCoordinator {
  private inFlight: InFlight | undefined;
  private readonly aborted = new Set<number>();
  /** Committables of aborted checkpoints, per sink: durable only once a later checkpoint completes. */
  private readonly carryOver = new Map<string, PersistedCommittable[]>();
  private lastCompletedId: number | undefined;
  /** The end of the latest checkpoint's completion after its record became durable (id counter, pending commits). */
  private completing: Promise<void> = Promise.resolve();
  /** The commits of the latest durable checkpoint (and, chained before them, of every earlier one). */
  private commits: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: CheckpointCoordinatorOptions) {}

  get latestCompletedId(): number | undefined {
    return this.lastCompletedId;
  }

  get pendingCheckpointId(): number | undefined {
    return this.inFlight?.id;
  }

  /**
   * Resolves when the commits of every checkpoint durable so far were tried (fulfilled also when one failed: the
   * checkpoint's `committed` says how). A writer pre-commits the next checkpoint only after this, so a sink never
   * opens a transaction while one of an earlier checkpoint is still being committed (a sink may reuse its ids).
   */
  commitsSettled(): Promise<void> {
    return this.commits.then(
      () => undefined,
      () => undefined,
    );
  }

  /**
   * Triggers a checkpoint and resolves when it is complete — every task acknowledged and its record is durable — or
   * aborted. The commits of a durable checkpoint run on after that (`committed`), so the next checkpoint may be
   * triggered meanwhile.
   */
  async trigger(kind: CheckpointKind): Promise<DurableCheckpoint | AbortedCheckpoint> {
    if (this.inFlight !== undefined) {
      throw new LockstepError(`checkpoint ${this.inFlight.id} is still in flight`, { code: 'LS_CHECKPOINT_BUSY' });
    }
    // The previous checkpoint's record is durable and reserved this id (see CheckpointStore.save); the rest of its
    // completion (the store's id counter, its committables joining the pending ones) runs on while this one aligns,
    // and ends before this one's record is built.
    const id = await this.options.store.reserveCheckpointId();
    const triggeredAt = Date.now();
    const outcome = new Promise<DurableCheckpoint | AbortedCheckpoint | Error>((resolve) => {
      const timer = setTimeout(() => this.abort(id, `not complete after ${this.options.timeoutMs} ms`), this.options.timeoutMs);
      timer.unref();
      this.inFlight = {
        id,
        kind,
        triggeredAt,
        enumerators: this.options.snapshotEnumerators(id),
        acks: new Map(),
        settle: resolve,
        timer,
      };
    });
    this.options.log.debug({ checkpointId: id, kind }, 'checkpoint triggered');
    for (const reader of this.options.readers) reader.injectBarrier(id, kind);
    const result = await outcome;
    if (result instanceof Error) throw result;
    return result;
  }

  /** A task finished its part of checkpoint `checkpointId`. */
  acknowledge(checkpointId: number, snapshot: TaskSnapshot): void {
    const flight = this.inFlight;
    if (flight === undefined || flight.id !== checkpointId) {
      this.acknowledgeLate(checkpointId, snapshot);
      return;
    }
    flight.acks.set(taskId(snapshot), snapshot);
    if (flight.acks.size === this.options.readers.length + this.options.writerTaskIds.length) {
      void this.complete(flight);
    }
  }

  /** Aborts the in-flight checkpoint `checkpointId` (timeout, or a task declined it). */
  abort(checkpointId: number, reason: string): void {
    const flight = this.inFlight;
    if (flight === undefined || flight.id !== checkpointId) return;
    clearTimeout(flight.timer);
    this.inFlight = undefined;
    this.aborted.add(checkpointId);
    for (const ack of flight.acks.values()) if (ack.kind === 'writer') this.carry(checkpointId, ack);
    this.options.log.warn({ checkpointId, reason }, 'checkpoint aborted; its pending transactions roll into the next one');
    flight.settle({ status: 'aborted', checkpointId, reason });
  }

  /** Fails the in-flight checkpoint because the execution is going down. */
  cancel(error: Error): void {
    const flight = this.inFlight;
    if (flight === undefined) return;
    clearTimeout(flight.timer);
    this.inFlight = undefined;
    flight.settle(error);
  }

  private acknowledgeLate(checkpointId: number, snapshot: TaskSnapshot): void {
    // A writer that pre-committed for an aborted checkpoint still holds an open prepared transaction: keep its
    // committables so the next completed checkpoint commits them.
    if (this.aborted.has(checkpointId) && snapshot.kind === 'writer') this.carry(checkpointId, snapshot);
  }

  /** Forgets the carried-over committables that a durable record now lists (not those carried since it was built). */
  private dropCarried(listed: ReadonlyMap<string, readonly PersistedCommittable[]>): void {
    for (const [sinkId, carried] of [...this.carryOver]) {
      const done = new Set(listed.get(sinkId) ?? []);
      const left = carried.filter((entry) => !done.has(entry));
      if (left.length === 0) this.carryOver.delete(sinkId);
      else this.carryOver.set(sinkId, left);
    }
  }

  private carry(checkpointId: number, ack: WriterSnapshot): void {
    const list = this.carryOver.get(ack.sinkId) ?? [];
    for (const committable of ack.committables) list.push({ checkpointId, committable, attempts: 0 });
    this.carryOver.set(ack.sinkId, list);
  }

  private async complete(flight: InFlight): Promise<void> {
    clearTimeout(flight.timer);
    try {
      const alignMs = Date.now() - flight.triggeredAt;
      // The previous checkpoint's completion first: its committables are pending, and this record lists them.
      await this.completing;
      if (this.inFlight !== flight) return;
      const { record, added } = this.buildRecord(flight);
      const recordBytes = Buffer.byteLength(JSON.stringify(record));
      const saveStart = Date.now();
      let durableAt: number | undefined;
      let markDurable: () => void = () => undefined;
      const durable = new Promise<void>((resolve) => (markDurable = resolve));
      const onDurable = (): void => {
        durableAt ??= Date.now();
        markDurable();
      };
      // The record is durable — the checkpoint complete — before the store's id counter is rewritten; the rest of the
      // completion (counter, savepoint, pending commits) finishes before the next trigger and before any commit.
      const finishing = (async () => {
        await this.options.store.save(record, onDurable);
        onDurable();
        if (flight.kind === 'savepoint' && this.options.savepointName) {
          await this.options.store.saveSavepoint(this.options.savepointName(), record);
        }
        crashPoint('after-checkpoint-saved');
        this.lastCompletedId = flight.id;
        // The record lists what was pending before (some of it may be committing right now) and these.
        for (const [sinkId, committables] of added) this.options.pendingCommits.add(sinkId, committables);
        this.dropCarried(added);
        for (const reader of this.options.readers) reader.notifyCheckpointComplete(flight.id);
      })();
      this.completing = finishing.catch(() => undefined);
      await Promise.race([durable, finishing]);
      this.inFlight = undefined;
      const at = durableAt ?? Date.now();
      const timings: CheckpointTimings = { durationMs: at - flight.triggeredAt, alignMs, saveMs: at - saveStart, recordBytes };
      // Only after the completion finished, and after the previous checkpoint's commits: never two commits side by side.
      const committed = this.commits.then(
        () => finishing.then(() => this.commit(flight, record, timings, at)),
        () => finishing.then(() => this.commit(flight, record, timings, at)),
      );
      committed.catch(() => undefined);
      this.commits = committed;
      flight.settle({ status: 'durable', record, ...timings, committed });
    } catch (error) {
      this.inFlight = undefined;
      flight.settle(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private async commit(flight: InFlight, record: CheckpointRecord, timings: CheckpointTimings, durable: number): Promise<CompletedCheckpoint> {
    // A process paused since its save may have been taken over: the new owner committed what it restored, and a
    // zombie's late commit would at best repeat it, at worst report markers the new owner cleaned up as data loss.
    await this.options.store.verifyOwner();
    const commits = await this.options.pendingCommits.commitAll();
    return { status: 'completed', record, ...timings, commits, commitMs: Date.now() - durable };
  }

  /** The record of `flight`, and the committables it adds to those already pending, per sink. */
  private buildRecord(flight: InFlight): { record: CheckpointRecord; added: Map<string, PersistedCommittable[]> } {
    const sources: Record<string, { enumerator: Versioned; splits: Record<string, readonly Versioned[]> }> = {};
    for (const [sourceId, enumerator] of Object.entries(flight.enumerators)) sources[sourceId] = { enumerator, splits: {} };
    const transforms: Record<string, Record<string, Versioned>> = {};
    const sinks: Record<string, { writerStates: Record<string, Versioned>; committables: PersistedCommittable[] }> = {};
    const added = new Map<string, PersistedCommittable[]>();
    for (const sinkId of this.options.sinkIds) {
      const adding = [...(this.carryOver.get(sinkId) ?? [])];
      added.set(sinkId, adding);
      sinks[sinkId] = { writerStates: {}, committables: [...this.options.pendingCommits.of(sinkId), ...adding] };
    }
    let finished = true;
    for (const ack of flight.acks.values()) {
      if (ack.kind === 'reader') {
        finished &&= ack.finished;
        this.addReader(sources, transforms, ack);
      } else {
        const sink = sinks[ack.sinkId];
        if (sink === undefined) continue;
        for (const committable of ack.committables) {
          const entry: PersistedCommittable = { checkpointId: flight.id, committable, attempts: 0 };
          sink.committables.push(entry);
          added.get(ack.sinkId)?.push(entry);
        }
        if (ack.writerState !== undefined) sink.writerStates[String(ack.subtask)] = ack.writerState;
      }
    }
    const record: CheckpointRecord = {
      formatVersion: CHECKPOINT_FORMAT_VERSION,
      pipeline: this.options.pipeline,
      checkpointId: flight.id,
      kind: flight.kind,
      triggeredAt: flight.triggeredAt,
      completedAt: Date.now(),
      parallelism: this.options.parallelism,
      sources: sources as Record<string, SourceSnapshot>,
      transforms,
      sinks: sinks as Record<string, SinkSnapshot>,
      finished,
    };
    return { record, added };
  }

  private addReader(
    sources: Record<string, { enumerator: Versioned; splits: Record<string, readonly Versioned[]> }>,
    transforms: Record<string, Record<string, Versioned>>,
    ack: ReaderSnapshot,
  ): void {
    const source = sources[ack.sourceId];
    if (source !== undefined) source.splits[String(ack.subtask)] = ack.splits;
    for (const [transformId, state] of Object.entries(ack.transformStates)) {
      (transforms[transformId] ??= {})[`${ack.sourceId}#${ack.subtask}`] = state;
    }
  }
}
