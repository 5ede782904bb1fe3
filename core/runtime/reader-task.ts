import type { Logger } from 'pino';
import type { LockstepRecord } from '../api/record';
import type { Versioned, VersionedSerializer } from '../api/serializer';
import type { PollResult, SourceReader } from '../api/source-reader';
import type { SourceSplit } from '../api/source-split';
import type { Transform } from '../api/transform';
import type { CheckpointKind } from '../checkpoint/checkpoint-record';
import type { BarrierTarget } from '../checkpoint/checkpoint-coordinator';
import { readerTaskId, type ReaderSnapshot } from '../checkpoint/task-snapshot';
import { RecordError } from '../errors';
import type { Channel } from './channel';
import { DeadLetterOutput } from './dead-letter-output';
import type { ErrorPolicy } from './error-policy';
import type { PipelineMetrics } from './pipeline-metrics';
import type { RecordRouter } from './record-router';
import { StartGate } from './start-gate';
import { WakeSignal } from '../sdk/signal';
import type { DeadLetter, StreamElement } from './stream-element';

export interface ChainedTransform {
  readonly id: string;
  readonly transform: Transform;
}

export interface ReaderTaskOptions {
  readonly sourceId: string;
  readonly subtask: number;
  readonly reader: SourceReader<SourceSplit>;
  readonly splitSerializer: VersionedSerializer<SourceSplit>;
  readonly transforms: readonly ChainedTransform[];
  /** One router per (non-dead-letter) sink. */
  readonly routers: readonly RecordRouter[];
  /** Channels to the dead-letter sink's writers (empty without one). */
  readonly deadLetterChannels: readonly Channel<StreamElement>[];
  readonly errorPolicy: (deadLetter: (letter: DeadLetter) => void) => ErrorPolicy;
  readonly acknowledge: (checkpointId: number, snapshot: ReaderSnapshot) => void;
  readonly onEndOfInput: () => void;
  readonly batchSize: number;
  readonly metrics: PipelineMetrics;
  readonly log: Logger;
}

/**
 * One source subtask: polls its reader, runs the chained transforms, routes batches to the sinks, and injects
 * checkpoint barriers between two batches. After a `final` or `savepoint` barrier it sends `end` and stops.
 */
export class ReaderTask implements BarrierTarget {
  readonly taskId: string;
  /** The source this task reads (its id in the pipeline config). */
  readonly sourceId: string;
  private readonly barriers: Array<{ id: number; kind: CheckpointKind }> = [];
  private readonly completed: number[] = [];
  private readonly incomingSplits: SourceSplit[] = [];
  private noMoreSplits = false;
  private readonly wake = new WakeSignal();
  private cancelled = false;
  private finished = false;
  private readonly deadLetters: DeadLetterOutput;
  private readonly policy: ErrorPolicy;
  private readonly gate = new StartGate();

  constructor(private readonly options: ReaderTaskOptions) {
    this.taskId = readerTaskId(options.sourceId, options.subtask);
    this.sourceId = options.sourceId;
    this.deadLetters = new DeadLetterOutput(options.deadLetterChannels);
    this.policy = options.errorPolicy(this.deadLetters.add);
  }

  injectBarrier(checkpointId: number, kind: CheckpointKind): void {
    this.barriers.push({ id: checkpointId, kind });
    this.wake.notify();
  }

  notifyCheckpointComplete(checkpointId: number): void {
    this.completed.push(checkpointId);
    this.wake.notify();
  }

  addSplits(splits: readonly SourceSplit[]): void {
    this.incomingSplits.push(...splits);
    this.wake.notify();
  }

  signalNoMoreSplits(): void {
    this.noMoreSplits = true;
    this.wake.notify();
  }

  /** Whether the reader's (or a chained transform's) start is still running. */
  get starting(): boolean {
    return this.gate.starting;
  }

  cancel(): void {
    this.cancelled = true;
    this.wake.notify();
  }

  /**
   * Closes the reader and the chained transforms (after the task ended or was cancelled) — after their start settled,
   * never during it; waits at most `waitMs` for a start still running (closed when it ends).
   */
  close(waitMs: number): Promise<void> {
    return this.gate.close(
      () => this.closeNow(),
      waitMs,
      () => this.options.log.warn({ waitMs }, `${this.taskId}: reader still starting at teardown; it is closed when its start ends`),
      (error) => this.options.log.warn({ err: error }, `${this.taskId}: error while closing a reader that started late`),
    );
  }

  private async closeNow(): Promise<void> {
    const results = await Promise.allSettled([
      this.options.reader.close(),
      ...this.options.transforms.map(({ transform }) => transform.close?.()),
    ]);
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
  }

  async run(): Promise<void> {
    const { reader } = this.options;
    this.options.metrics.taskStates.set(this.taskId, 'INITIALIZING');
    await this.gate.start(async () => {
      for (const { transform } of this.options.transforms) await transform.open?.();
      await reader.start();
    });
    this.options.metrics.taskStates.set(this.taskId, 'RUNNING');
    for (;;) {
      if (this.cancelled) return;
      this.deliverSplits();
      await this.deliverCompletions();
      const barrier = this.barriers.shift();
      if (barrier !== undefined) {
        if (await this.emitBarrier(barrier.id, barrier.kind)) return;
        continue;
      }
      if (this.finished) {
        await this.wake.wait();
        continue;
      }
      await this.pollOnce();
    }
  }

  private deliverSplits(): void {
    if (this.incomingSplits.length > 0) this.options.reader.addSplits(this.incomingSplits.splice(0));
    if (this.noMoreSplits) {
      this.noMoreSplits = false;
      this.options.reader.notifyNoMoreSplits();
    }
  }

  private async deliverCompletions(): Promise<void> {
    for (const id of this.completed.splice(0)) {
      await this.options.reader.notifyCheckpointComplete?.(id);
    }
  }

  private async pollOnce(): Promise<void> {
    let result: PollResult;
    try {
      result = await this.options.reader.pollNext(this.options.batchSize);
    } catch (error) {
      // A record the reader cannot decode: its position is already past it, so the error policy decides its fate.
      if (!RecordError.isRecordError(error)) throw error;
      this.policy.handle(error, this.options.sourceId);
      await this.deadLetters.flush();
      return;
    }
    switch (result.status) {
      case 'records': {
        this.options.metrics.countIn(this.options.sourceId, result.records.length);
        const out = await this.transform(result.records);
        for (const router of this.options.routers) await router.route(out);
        await this.deadLetters.flush();
        return;
      }
      case 'nothing-available':
        await Promise.race([this.options.reader.isAvailable(), this.wake.wait()]);
        return;
      case 'end-of-input':
        this.finished = true;
        this.options.metrics.taskStates.set(this.taskId, 'FINISHED');
        this.options.log.debug({ source: this.options.sourceId, subtask: this.options.subtask }, 'end of input');
        this.options.onEndOfInput();
        return;
    }
  }

  private async transform(records: readonly LockstepRecord[]): Promise<readonly LockstepRecord[]> {
    let current = records;
    for (const { id, transform } of this.options.transforms) {
      const next: LockstepRecord[] = [];
      for (const record of current) {
        try {
          const produced = transform.process(record);
          const list = produced instanceof Promise ? await produced : produced;
          for (const item of list) next.push(item);
        } catch (error) {
          if (!RecordError.isRecordError(error)) throw error;
          this.policy.handle(error, id);
        }
      }
      current = next;
    }
    return current;
  }


  /** Snapshots, acknowledges and forwards barrier `id`; returns true when the task ends with it. */
  private async emitBarrier(id: number, kind: CheckpointKind): Promise<boolean> {
    const { reader, splitSerializer, transforms } = this.options;
    const splits: Versioned[] = reader
      .snapshotState(id)
      .map((split) => ({ version: splitSerializer.version, data: splitSerializer.serialize(split) }));
    const transformStates: Record<string, Versioned> = {};
    for (const { id: transformId, transform } of transforms) {
      if (transform.snapshotState && transform.stateSerializer) {
        const serializer = transform.stateSerializer;
        transformStates[transformId] = { version: serializer.version, data: serializer.serialize(transform.snapshotState(id)) };
      }
    }
    const ends = kind === 'final' || kind === 'savepoint';
    this.options.acknowledge(id, {
      kind: 'reader',
      sourceId: this.options.sourceId,
      subtask: this.options.subtask,
      splits,
      transformStates,
      finished: this.finished,
    });
    const barrier: StreamElement = { kind: 'barrier', checkpointId: id, checkpointKind: kind };
    for (const router of this.options.routers) await router.broadcast(barrier);
    await this.deadLetters.broadcast(barrier);
    if (!ends) return false;
    for (const router of this.options.routers) await router.broadcast({ kind: 'end' });
    await this.deadLetters.broadcast({ kind: 'end' });
    return true;
  }
}
