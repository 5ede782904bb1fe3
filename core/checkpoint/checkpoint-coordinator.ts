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

/** What a triggered checkpoint came to. */
export type CheckpointResult =
  | { readonly status: 'completed'; readonly record: CheckpointRecord; readonly durationMs: number; readonly commits: CommitSummary }
  | { readonly status: 'aborted'; readonly checkpointId: number; readonly reason: string };

interface InFlight {
  readonly id: number;
  readonly kind: CheckpointKind;
  readonly triggeredAt: number;
  readonly enumerators: Readonly<Record<string, Versioned>>;
  readonly acks: Map<string, TaskSnapshot>;
  readonly settle: (result: CheckpointResult | Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Runs the checkpoint protocol (docs/design.md §1): trigger with a fresh id, inject barriers at every reader,
 * collect acknowledgements from every reader and writer, write one atomic record, then commit every pending
 * committable of checkpoints ≤ n. One checkpoint is in flight at a time. A checkpoint that times out is aborted; the
 * committables its writers produced (also those acknowledged late) roll into the next checkpoint.
 */
export class CheckpointCoordinator {
  private inFlight: InFlight | undefined;
  private readonly aborted = new Set<number>();
  /** Committables of aborted checkpoints, per sink: durable only once a later checkpoint completes. */
  private readonly carryOver = new Map<string, PersistedCommittable[]>();
  private lastCompletedId: number | undefined;

  constructor(private readonly options: CheckpointCoordinatorOptions) {}

  get latestCompletedId(): number | undefined {
    return this.lastCompletedId;
  }

  get pendingCheckpointId(): number | undefined {
    return this.inFlight?.id;
  }

  /** Triggers a checkpoint and resolves when it completed (record durable, commits done) or was aborted. */
  async trigger(kind: CheckpointKind): Promise<CheckpointResult> {
    if (this.inFlight !== undefined) {
      throw new LockstepError(`checkpoint ${this.inFlight.id} is still in flight`, { code: 'LS_CHECKPOINT_BUSY' });
    }
    const id = await this.options.store.reserveCheckpointId();
    const triggeredAt = Date.now();
    const outcome = new Promise<CheckpointResult | Error>((resolve) => {
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

  private carry(checkpointId: number, ack: WriterSnapshot): void {
    const list = this.carryOver.get(ack.sinkId) ?? [];
    for (const committable of ack.committables) list.push({ checkpointId, committable, attempts: 0 });
    this.carryOver.set(ack.sinkId, list);
  }

  private async complete(flight: InFlight): Promise<void> {
    clearTimeout(flight.timer);
    try {
      const record = this.buildRecord(flight);
      await this.options.store.save(record);
      if (flight.kind === 'savepoint' && this.options.savepointName) {
        await this.options.store.saveSavepoint(this.options.savepointName(), record);
      }
      crashPoint('after-checkpoint-saved');
      this.inFlight = undefined;
      this.lastCompletedId = flight.id;
      for (const [sinkId, snapshot] of Object.entries(record.sinks)) {
        this.options.pendingCommits.replace(sinkId, snapshot.committables);
      }
      this.carryOver.clear();
      for (const reader of this.options.readers) reader.notifyCheckpointComplete(flight.id);
      // A process paused since its save may have been taken over: the new owner committed what it restored, and a
      // zombie's late commit would at best repeat it, at worst report markers the new owner cleaned up as data loss.
      await this.options.store.verifyOwner();
      const commits = await this.options.pendingCommits.commitAll();
      flight.settle({ status: 'completed', record, durationMs: Date.now() - flight.triggeredAt, commits });
    } catch (error) {
      this.inFlight = undefined;
      flight.settle(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private buildRecord(flight: InFlight): CheckpointRecord {
    const sources: Record<string, { enumerator: Versioned; splits: Record<string, readonly Versioned[]> }> = {};
    for (const [sourceId, enumerator] of Object.entries(flight.enumerators)) sources[sourceId] = { enumerator, splits: {} };
    const transforms: Record<string, Record<string, Versioned>> = {};
    const sinks: Record<string, { writerStates: Record<string, Versioned>; committables: PersistedCommittable[] }> = {};
    for (const sinkId of this.options.sinkIds) {
      sinks[sinkId] = {
        writerStates: {},
        committables: [...this.options.pendingCommits.of(sinkId), ...(this.carryOver.get(sinkId) ?? [])],
      };
    }
    let finished = true;
    for (const ack of flight.acks.values()) {
      if (ack.kind === 'reader') {
        finished &&= ack.finished;
        this.addReader(sources, transforms, ack);
      } else {
        const sink = sinks[ack.sinkId];
        if (sink === undefined) continue;
        for (const committable of ack.committables) sink.committables.push({ checkpointId: flight.id, committable, attempts: 0 });
        if (ack.writerState !== undefined) sink.writerStates[String(ack.subtask)] = ack.writerState;
      }
    }
    return {
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
