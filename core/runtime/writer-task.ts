import type { Logger } from 'pino';
import type { LockstepRecord } from '../api/record';
import type { CheckpointKind } from '../checkpoint/checkpoint-record';
import { crashPoint } from '../checkpoint/crash-points';
import type { SinkWriterHandle } from '../checkpoint/sink-writer-handle';
import { writerTaskId, type WriterSnapshot } from '../checkpoint/task-snapshot';
import { LockstepError, RecordError } from '../errors';
import type { Channel } from './channel';
import { DeadLetterOutput } from './dead-letter-output';
import type { ErrorPolicy } from './error-policy';
import type { PipelineMetrics } from './pipeline-metrics';
import { StartGate } from './start-gate';
import type { DeadLetter, StreamElement } from './stream-element';

export interface WriterTaskOptions {
  readonly sinkId: string;
  readonly subtask: number;
  /** The writer with its sink's serializers, as recovery created it. */
  readonly handle: SinkWriterHandle;
  readonly inputs: readonly Channel<StreamElement>[];
  /** Channels to the dead-letter sink's writers (empty for the dead-letter sink itself). */
  readonly deadLetterChannels: readonly Channel<StreamElement>[];
  readonly errorPolicy: (deadLetter: (letter: DeadLetter) => void) => ErrorPolicy;
  readonly acknowledge: (checkpointId: number, snapshot: WriterSnapshot) => void;
  /**
   * Resolves when the commits of every checkpoint completed so far were tried: a writer pre-commits (ends its
   * transaction and opens the next) only after that, so it never opens one while an earlier one is being committed.
   */
  readonly commitsSettled: () => Promise<void>;
  readonly metrics: PipelineMetrics;
  readonly log: Logger;
}

type Received = { readonly index: number; readonly element: StreamElement };

/**
 * One sink subtask. Reads all its inputs; on barrier n from an input it stops reading that input until every
 * input delivered barrier n (alignment), then flushes, pre-commits, acknowledges and forwards the barrier.
 * Ends when every input sent `end`.
 */
export class WriterTask {
  readonly taskId: string;
  /** The sink this task writes (its id in the pipeline config). */
  readonly sinkId: string;
  private readonly ended: boolean[];
  private readonly blocked: boolean[];
  private readonly receiving = new Map<number, Promise<Received>>();
  private aligning: { id: number; kind: CheckpointKind; count: number } | undefined;
  private readonly policy: ErrorPolicy;
  private readonly deadLetters: DeadLetterOutput;
  private readonly gate = new StartGate();

  constructor(private readonly options: WriterTaskOptions) {
    this.taskId = writerTaskId(options.sinkId, options.subtask);
    this.sinkId = options.sinkId;
    this.ended = options.inputs.map(() => false);
    this.blocked = options.inputs.map(() => false);
    this.deadLetters = new DeadLetterOutput(options.deadLetterChannels);
    this.policy = options.errorPolicy(this.deadLetters.add);
  }

  async run(): Promise<void> {
    this.options.metrics.taskStates.set(this.taskId, 'INITIALIZING');
    await this.gate.start(() => this.options.handle.writer.init());
    this.options.metrics.taskStates.set(this.taskId, 'RUNNING');
    while (this.ended.some((ended) => !ended)) {
      const { index, element } = await this.nextElement();
      switch (element.kind) {
        case 'records':
          await this.write(element.records);
          break;
        case 'barrier':
          await this.onBarrier(index, element.checkpointId, element.checkpointKind);
          break;
        case 'end':
          this.ended[index] = true;
          break;
      }
    }
    await this.deadLetters.broadcast({ kind: 'end' });
    this.options.metrics.taskStates.set(this.taskId, 'FINISHED');
  }

  /** Whether the writer's `init` is still running. */
  get starting(): boolean {
    return this.gate.starting;
  }

  /**
   * Closes the writer — after its `init` settled, never during it; waits at most `waitMs` for an `init` still running
   * (a writer that starts later is closed when it does).
   */
  close(waitMs: number): Promise<void> {
    const { writer } = this.options.handle;
    return this.gate.close(
      () => writer.close(),
      waitMs,
      () => this.options.log.warn({ waitMs }, `${this.taskId}: writer still starting at teardown; it is closed when its init ends`),
      (error) => this.options.log.warn({ err: error }, `${this.taskId}: error while closing a writer that started late`),
    );
  }

  private nextElement(): Promise<Received> {
    this.options.inputs.forEach((channel, index) => {
      if (!this.ended[index] && !this.blocked[index] && !this.receiving.has(index)) {
        this.receiving.set(index, channel.receive().then((element) => ({ index, element })));
      }
    });
    if (this.receiving.size === 0) {
      throw new LockstepError(`${this.taskId}: every input is blocked or ended`, { code: 'LS_RUNTIME_ALIGNMENT' });
    }
    return Promise.race(this.receiving.values()).then((received) => {
      this.receiving.delete(received.index);
      return received;
    });
  }

  private async onBarrier(index: number, id: number, kind: CheckpointKind): Promise<void> {
    if (this.aligning === undefined) this.aligning = { id, kind, count: 0 };
    if (this.aligning.id !== id) {
      throw new LockstepError(`${this.taskId}: barrier ${id} arrived while aligning ${this.aligning.id}`, {
        code: 'LS_RUNTIME_ALIGNMENT',
      });
    }
    this.blocked[index] = true;
    this.aligning.count += 1;
    const live = this.ended.filter((ended) => !ended).length;
    if (this.aligning.count < live) return;
    await this.preCommit(id, kind);
    this.aligning = undefined;
    this.blocked.fill(false);
  }

  private async preCommit(id: number, kind: CheckpointKind): Promise<void> {
    const { handle } = this.options;
    await handle.writer.flush(kind === 'final');
    crashPoint('after-sink-flush');
    await this.deadLetters.flush();
    await this.options.commitsSettled();
    const committables = await handle.prepareCommit(id);
    const writerState = handle.snapshotState(id);
    this.options.acknowledge(id, { kind: 'writer', sinkId: this.options.sinkId, subtask: this.options.subtask, committables, writerState });
    await this.deadLetters.broadcast({ kind: 'barrier', checkpointId: id, checkpointKind: kind });
  }

  /** Writes a batch, applying the error policy to each record the sink refuses and writing the rest. */
  private async write(records: readonly LockstepRecord[]): Promise<void> {
    let rest = records;
    while (rest.length > 0) {
      try {
        await this.options.handle.writer.write(rest);
        this.options.metrics.countOut(this.options.sinkId, rest.length);
        rest = [];
      } catch (error) {
        const at = RecordError.isRecordError(error) ? rest.indexOf(error.record) : -1;
        if (at < 0) throw error;
        this.options.metrics.countOut(this.options.sinkId, at);
        this.policy.handle(error as RecordError, this.options.sinkId);
        rest = rest.slice(at + 1);
      }
    }
    await this.deadLetters.flush();
  }
}
