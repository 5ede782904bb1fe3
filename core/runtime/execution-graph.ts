import type { Logger } from 'pino';
import type { InitContext } from '../api/init-context';
import { supportsCommitter } from '../api/sink';
import type { CheckpointRecord } from '../checkpoint/checkpoint-record';
import type { SinkRecovery } from '../checkpoint/sink-recovery';
import type { SinkWriterHandle } from '../checkpoint/sink-writer-handle';
import { readerTaskId, type TaskSnapshot } from '../checkpoint/task-snapshot';
import { LockstepError } from '../errors';
import type { PipelineComponents } from './create-components';
import { Channel, type ChannelBound } from './channel';
import { ErrorPolicy } from './error-policy';
import type { PipelineMetrics } from './pipeline-metrics';
import { ReaderTask, type ChainedTransform } from './reader-task';
import { RecordRouter } from './record-router';
import { restoredSplits, restoredTransformState } from './restore';
import type { DeadLetter, StreamElement } from './stream-element';
import { WriterTask } from './writer-task';

/** Records weigh what they hold; barriers and `end` weigh nothing and never wait for room. */
function weighElement(element: StreamElement): number {
  return element.kind === 'records' ? element.records.length : 0;
}

const settled = (): Promise<void> => Promise.resolve();

type SourceEntry = PipelineComponents['sources'][number];
type SinkEntry = PipelineComponents['sinks'][number];

export interface ExecutionGraphOptions {
  readonly components: PipelineComponents;
  readonly restored: CheckpointRecord | undefined;
  /** Creates the writers, after it committed the restored committables. */
  readonly recovery: SinkRecovery;
  readonly initContext: (componentId: string, subtask: number, parallelism: number) => InitContext;
  readonly acknowledge: (checkpointId: number, snapshot: TaskSnapshot) => void;
  /** See `WriterTaskOptions.commitsSettled`. */
  readonly commitsSettled: () => Promise<void>;
  /** Called once per reader task that reached the end of its input. */
  readonly onReaderEnded: () => void;
  readonly batchSize: number;
  /** The most a channel holds, in batches of `batchSize` records (the ceiling of its adaptive bound). */
  readonly channelCapacity: number;
  /** The time of records a channel holds at its consumer's measured rate (see {@link Channel}); 0: always the ceiling. */
  readonly channelTargetMs: number;
  readonly metrics: PipelineMetrics;
  readonly log: Logger;
}

interface WriterEntry {
  readonly handle: SinkWriterHandle;
  readonly task: WriterTask;
}

/**
 * The tasks of one execution and the channels between them: a reader task per source subtask (with the transforms
 * chained into it), a writer task per sink subtask, each reader routed to every normal sink (forward when both have
 * the same parallelism, else to every writer), and the dead-letter fan-in — the dead-letter sink's writers take input
 * from every reader and every normal writer.
 */
export class ExecutionGraph {
  readonly readers: ReaderTask[] = [];
  private readonly writers: WriterEntry[] = [];
  private readonly channels: Channel<StreamElement>[] = [];
  private readonly deadLetterInputs: Channel<StreamElement>[][];
  private readonly writerInputs: Map<string, Channel<StreamElement>[][]>;

  constructor(private readonly options: ExecutionGraphOptions) {
    const dlq = this.deadLetterSink();
    this.deadLetterInputs = dlq ? Array.from({ length: dlq.parallelism }, () => []) : [];
    this.writerInputs = new Map(this.normalSinks().map((entry) => [entry.config.id, Array.from({ length: entry.parallelism }, () => [])]));
  }

  /** Creates every task and channel (no I/O: readers and writers connect when their tasks run). */
  build(): void {
    const { components } = this.options;
    const dlq = this.deadLetterSink();
    for (const entry of components.sources) {
      for (let subtask = 0; subtask < entry.parallelism; subtask += 1) this.addReader(entry, subtask);
    }
    for (const entry of this.normalSinks()) {
      this.inputsOf(entry).forEach((inputs, subtask) => this.addWriter(entry, subtask, inputs, this.toDeadLetters(`${entry.config.id}#${subtask}`)));
    }
    if (dlq !== undefined) this.deadLetterInputs.forEach((inputs, subtask) => this.addWriter(dlq, subtask, inputs, []));
  }

  get writerTasks(): readonly WriterTask[] {
    return this.writers.map((entry) => entry.task);
  }

  readerOf(sourceId: string, subtask: number): ReaderTask {
    const id = readerTaskId(sourceId, subtask);
    const task = this.readers.find((candidate) => candidate.taskId === id);
    if (task === undefined) throw new LockstepError(`no reader subtask ${subtask} for source ${sourceId}`, { code: 'LS_SOURCE_CONTRACT' });
    return task;
  }

  /**
   * Cancels the readers, closes every channel, and closes readers and writers; the promises settle when each closed,
   * or after `startWaitMs` for one whose start is still running (it is closed when the start ends).
   */
  close(startWaitMs: number): Promise<void>[] {
    for (const reader of this.readers) reader.cancel();
    for (const channel of this.channels) channel.close();
    return [...this.readers.map((task) => task.close(startWaitMs)), ...this.writers.map((entry) => entry.task.close(startWaitMs))];
  }

  private addReader({ config, source, parallelism }: SourceEntry, subtask: number): void {
    const { components, restored } = this.options;
    const name = `${config.id}#${subtask}`;
    const routers = this.normalSinks().map((sinkEntry) => {
      const inputs = this.inputsOf(sinkEntry);
      const targets = sinkEntry.parallelism === parallelism ? [subtask] : inputs.map((_, index) => index);
      return new RecordRouter(targets.map((target) => this.connect(`${name}->${sinkEntry.config.id}#${target}`, inputs[target] as Channel<StreamElement>[])));
    });
    const init = this.options.initContext(config.id, subtask, parallelism);
    const transforms: ChainedTransform[] = components.transforms.map((entry) => {
      const transform = entry.factory(init);
      const state = restoredTransformState(restored, entry.config.id, name);
      if (state !== undefined && transform.restoreState && transform.stateSerializer) {
        transform.restoreState(transform.stateSerializer.deserialize(state.version, state.data));
      }
      return { id: entry.config.id, transform };
    });
    const task = new ReaderTask({
      sourceId: config.id,
      subtask,
      reader: source.createReader(init),
      splitSerializer: source.splitSerializer,
      transforms,
      routers,
      deadLetterChannels: this.toDeadLetters(name),
      errorPolicy: (deadLetter) => this.policy(deadLetter),
      acknowledge: this.options.acknowledge,
      onEndOfInput: this.options.onReaderEnded,
      batchSize: this.options.batchSize,
      metrics: this.options.metrics,
      log: init.log,
    });
    task.addSplits(restoredSplits(restored, config.id, source.splitSerializer, subtask, parallelism));
    this.readers.push(task);
  }

  private addWriter(entry: SinkEntry, subtask: number, inputs: Channel<StreamElement>[], deadLetterChannels: Channel<StreamElement>[]): void {
    const sinkId = entry.config.id;
    const isDlq = sinkId === this.options.components.deadLetterSinkId;
    const init = this.options.initContext(sinkId, subtask, entry.parallelism);
    const restoredState = this.options.restored?.sinks[sinkId]?.writerStates[String(subtask)];
    const handle = this.options.recovery.createWriter(sinkId, entry.sink, init, restoredState);
    const task = new WriterTask({
      sinkId,
      subtask,
      handle,
      inputs,
      deadLetterChannels,
      // The dead-letter sink itself has nowhere to send refused records: they fail the pipeline.
      errorPolicy: (deadLetter) => (isDlq ? new ErrorPolicy({ policy: 'fail' }, init.log, undefined) : this.policy(deadLetter)),
      acknowledge: this.options.acknowledge,
      // A sink that pre-commits beside its commits does not wait for them (the next checkpoint does not pay them).
      commitsSettled: supportsCommitter(entry.sink) && entry.sink.preCommitsWhileCommitting === true ? settled : this.options.commitsSettled,
      metrics: this.options.metrics,
      log: init.log,
    });
    this.writers.push({ handle, task });
  }

  /** One channel from task `name` to each dead-letter writer (none without a dead-letter sink). */
  private toDeadLetters(name: string): Channel<StreamElement>[] {
    const dlqId = this.options.components.deadLetterSinkId;
    return this.deadLetterInputs.map((inputs, index) => this.connect(`${name}->${dlqId}#${index}`, inputs));
  }

  /** A new channel, added to the inputs of the task it leads to. */
  private connect(name: string, inputs: Channel<StreamElement>[]): Channel<StreamElement> {
    const channel = new Channel<StreamElement>(name, this.channelBound(), weighElement);
    this.channels.push(channel);
    inputs.push(channel);
    return channel;
  }

  /**
   * Every channel's bound: at most `channelCapacity` batches of any size and `channelCapacity` × `batchSize` records;
   * adapted to about `channelTargetMs` of records (and of batches) at the consumer's rate, but never below one batch,
   * so that the consumer always has the next batch ready.
   */
  private channelBound(): ChannelBound {
    const { batchSize, channelCapacity, channelTargetMs } = this.options;
    const maxRecords = Math.max(1, channelCapacity * batchSize);
    return { maxRecords, minRecords: Math.min(maxRecords, batchSize), targetMs: channelTargetMs, maxBatches: Math.max(1, channelCapacity) };
  }

  private inputsOf(entry: SinkEntry): Channel<StreamElement>[][] {
    return this.writerInputs.get(entry.config.id) as Channel<StreamElement>[][];
  }

  private deadLetterSink(): SinkEntry | undefined {
    return this.options.components.sinks.find((entry) => entry.config.id === this.options.components.deadLetterSinkId);
  }

  private normalSinks(): SinkEntry[] {
    return this.options.components.sinks.filter((entry) => entry.config.id !== this.options.components.deadLetterSinkId);
  }

  private policy(deadLetter: (letter: DeadLetter) => void): ErrorPolicy {
    const config = this.options.components.config.errors;
    return new ErrorPolicy(config, this.options.log, config.policy === 'dead-letter' ? deadLetter : undefined, this.options.metrics);
  }
}
