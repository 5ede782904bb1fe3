import type { Logger } from 'pino';
import type { InitContext } from '../api/init-context';
import type { SinkWriter } from '../api/sink-writer';
import type { SourceSplit } from '../api/source-split';
import type { SplitEnumerator } from '../api/split-enumerator';
import { CheckpointCoordinator, type CheckpointResult } from '../checkpoint/checkpoint-coordinator';
import type { CheckpointKind, CheckpointRecord } from '../checkpoint/checkpoint-record';
import type { CheckpointStore } from '../checkpoint/checkpoint-store';
import type { RestartConfig } from '../config/pipeline-config';
import { readerTaskId } from '../checkpoint/task-snapshot';
import { PendingCommits } from '../checkpoint/pending-commits';
import type { SinkCommitterHandle } from '../checkpoint/sink-committer-handle';
import { LockstepError } from '../errors/lockstep-error';
import { Channel } from './channel';
import { ErrorPolicy } from './error-policy';
import type { PipelineComponents } from './pipeline-components';
import type { PipelineMetrics } from './pipeline-metrics';
import { delayOrUntil } from '../sdk/delay';
import { restartDelayMs } from './restart-strategy';
import { ReaderTask, type ChainedTransform } from './reader-task';
import { RecordRouter } from './record-router';
import { restoredSplits, restoredTransformState } from './restore';
import type { DeadLetter, StreamElement } from './stream-element';
import { WriterTask } from './writer-task';

export interface ExecutionOptions {
  readonly components: PipelineComponents;
  readonly store: CheckpointStore;
  readonly restored: CheckpointRecord | undefined;
  readonly log: Logger;
  readonly metrics: PipelineMetrics;
  readonly batchSize: number;
  readonly channelCapacity: number;
  /** Resolves when the user asks to stop (SIGTERM/SIGINT): the execution takes a savepoint and ends. */
  readonly stopRequested: Promise<void>;
  readonly savepointName: () => string;
  readonly onCheckpoint: (result: CheckpointResult) => void;
}

/** How an execution ended. */
export type ExecutionOutcome =
  | { readonly status: 'finished'; readonly checkpointId: number }
  | { readonly status: 'stopped'; readonly checkpointId: number | undefined; readonly savepoint: boolean };

interface WriterEntry {
  readonly sinkId: string;
  readonly writer: SinkWriter;
  readonly task: WriterTask;
}

/**
 * One attempt at running a pipeline: recovery commits, then every reader and writer task, the periodic checkpoints,
 * and the final checkpoint (bounded input) or the savepoint (stop). Any task failure tears everything down and
 * rethrows; the runner decides whether to restart.
 */
export class PipelineExecution {
  private readonly readers: ReaderTask[] = [];
  private readonly writers: WriterEntry[] = [];
  private readonly channels: Channel<StreamElement>[] = [];
  private readonly enumerators = new Map<string, SplitEnumerator<SourceSplit, unknown>>();
  private readonly committers: SinkCommitterHandle[] = [];
  private coordinator: CheckpointCoordinator | undefined;
  private pending: PendingCommits | undefined;
  private failure: Error | undefined;
  private readonly failed: Promise<never>;
  private fail!: (error: Error) => void;
  private finishedReaders = 0;
  /**
   * Enumerator calls made while a checkpoint is in flight, delivered once it ended: from the enumerator snapshot on,
   * a split handed out would otherwise land in the readers' snapshot but not the enumerator's (assigned twice after a
   * restore). Deferred, it is in neither, and the enumerator hands it out again after a restore.
   */
  private deferredAssignments: (() => void)[] | undefined;
  private allFinished!: () => void;
  private readonly inputEnded = new Promise<void>((resolve) => (this.allFinished = resolve));

  constructor(private readonly options: ExecutionOptions) {
    this.failed = new Promise<never>((_, reject) => {
      this.fail = (error) => {
        this.failure ??= error;
        reject(error);
      };
    });
    this.failed.catch(() => undefined);
  }

  async run(): Promise<ExecutionOutcome> {
    try {
      const pending = await this.recover();
      this.build(pending);
      const tasks = [...this.readers.map((task) => task.run()), ...this.writers.map((entry) => entry.task.run())];
      for (const task of tasks) task.catch((error: unknown) => this.fail(asError(error)));
      for (const enumerator of this.enumerators.values()) await enumerator.start();
      const outcome = await Promise.race([this.drive(), this.failed]);
      await Promise.race([Promise.all(tasks), this.failed]);
      return outcome;
    } catch (error) {
      this.fail(asError(error));
      throw this.failure ?? error;
    } finally {
      await this.teardown();
    }
  }

  /** Commits the restored checkpoint's committables before anything else runs. */
  private async recover(): Promise<PendingCommits> {
    const { components, restored, log } = this.options;
    const handles = new Map<string, SinkCommitterHandle>();
    for (const { config, sink } of components.sinks) {
      if (sink.createCommitter === undefined || sink.committableSerializer === undefined) continue;
      const handle = { sinkId: config.id, committer: sink.createCommitter(this.initContext(config.id, 0, 1)), serializer: sink.committableSerializer };
      handles.set(config.id, handle);
      this.committers.push(handle);
    }
    const pending = new PendingCommits(handles, log);
    if (restored !== undefined) {
      for (const [sinkId, snapshot] of Object.entries(restored.sinks)) pending.add(sinkId, snapshot.committables);
      const summary = await pending.commitAll();
      log.info({ checkpointId: restored.checkpointId, ...summary }, 'recovered: restored commits done before any record flows');
    }
    return pending;
  }

  private build(pending: PendingCommits): void {
    const { components, store, restored, log } = this.options;
    this.pending = pending;
    const dlqId = components.deadLetterSinkId;
    const dlq = components.sinks.find((entry) => entry.config.id === dlqId);
    const normalSinks = components.sinks.filter((entry) => entry.config.id !== dlqId);
    const readerCount = components.sources.reduce((sum, entry) => sum + entry.parallelism, 0);
    // Dead-letter writers take input from every reader and every normal writer.
    const dlqInputs: Channel<StreamElement>[][] = dlq ? Array.from({ length: dlq.parallelism }, () => []) : [];
    const dlqChannelFor = (name: string): Channel<StreamElement>[] =>
      dlqInputs.map((inputs, index) => {
        const channel = this.channel(`${name}->${dlqId}#${index}`);
        inputs.push(channel);
        return channel;
      });
    // Inputs of each normal writer, filled while the readers are wired.
    const writerInputs = new Map<string, Channel<StreamElement>[][]>(
      normalSinks.map((entry) => [entry.config.id, Array.from({ length: entry.parallelism }, () => [])]),
    );
    for (const { config, source, parallelism } of components.sources) {
      for (let subtask = 0; subtask < parallelism; subtask += 1) {
        const name = `${config.id}#${subtask}`;
        const routers = normalSinks.map((sinkEntry) => {
          const inputs = writerInputs.get(sinkEntry.config.id) as Channel<StreamElement>[][];
          const targets = sinkEntry.parallelism === parallelism ? [subtask] : inputs.map((_, index) => index);
          return new RecordRouter(
            targets.map((target) => {
              const channel = this.channel(`${name}->${sinkEntry.config.id}#${target}`);
              (inputs[target] as Channel<StreamElement>[]).push(channel);
              return channel;
            }),
          );
        });
        const init = this.initContext(config.id, subtask, parallelism);
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
          deadLetterChannels: dlq ? dlqChannelFor(name) : [],
          errorPolicy: (deadLetter) => this.policy(deadLetter),
          acknowledge: (id, snapshot) => this.coordinator?.acknowledge(id, snapshot),
          onEndOfInput: () => this.onEndOfInput(readerCount),
          batchSize: this.options.batchSize,
          metrics: this.options.metrics,
          log: init.log,
        });
        task.addSplits(restoredSplits(restored, config.id, source.splitSerializer, subtask, parallelism));
        this.readers.push(task);
      }
      this.createEnumerator(config.id, source, parallelism);
    }
    // What recovery left pending (retry-later), deserialized once per sink for its writers.
    const pendingOf = (entry: PipelineComponents['sinks'][number]): unknown[] => {
      const serializer = entry.sink.committableSerializer;
      return serializer === undefined ? [] : pending.of(entry.config.id).map(({ committable }) => serializer.deserialize(committable.version, committable.data));
    };
    for (const entry of normalSinks) {
      const inputs = writerInputs.get(entry.config.id) as Channel<StreamElement>[][];
      const committables = pendingOf(entry);
      inputs.forEach((channels, subtask) => this.addWriter(entry, subtask, channels, dlq ? dlqChannelFor(`${entry.config.id}#${subtask}`) : [], committables));
    }
    if (dlq !== undefined) {
      const committables = pendingOf(dlq);
      dlqInputs.forEach((channels, subtask) => this.addWriter(dlq, subtask, channels, [], committables));
    }
    this.coordinator = new CheckpointCoordinator({
      pipeline: components.config.name,
      store,
      timeoutMs: components.config.checkpoint.timeoutMs,
      log,
      readers: this.readers,
      writerTaskIds: this.writers.map((entry) => entry.task.taskId),
      snapshotEnumerators: (id) => this.snapshotEnumerators(id),
      parallelism: Object.fromEntries([...components.sources, ...components.sinks].map((e) => [e.config.id, e.parallelism])),
      pendingCommits: pending,
      sinkIds: components.sinks.map((entry) => entry.config.id),
      savepointName: this.options.savepointName,
    });
  }

  private addWriter(
    entry: PipelineComponents['sinks'][number],
    subtask: number,
    inputs: Channel<StreamElement>[],
    deadLetterChannels: Channel<StreamElement>[],
    pendingCommittables: readonly unknown[],
  ): void {
    const isDlq = entry.config.id === this.options.components.deadLetterSinkId;
    const init = this.initContext(entry.config.id, subtask, entry.parallelism);
    const restoredState = this.options.restored?.sinks[entry.config.id]?.writerStates[String(subtask)];
    const stateSerializer = entry.sink.writerStateSerializer;
    const writer = entry.sink.createWriter(
      {
        ...init,
        restoredCheckpointId: this.options.restored?.checkpointId,
        firstCheckpointId: this.options.store.peekNextCheckpointId(),
        pendingCommittables,
      },
      restoredState && stateSerializer ? stateSerializer.deserialize(restoredState.version, restoredState.data) : undefined,
    );
    const task = new WriterTask({
      sinkId: entry.config.id,
      subtask,
      writer,
      inputs,
      committableSerializer: entry.sink.committableSerializer,
      writerStateSerializer: stateSerializer,
      deadLetterChannels,
      // The dead-letter sink itself has nowhere to send refused records: they fail the pipeline.
      errorPolicy: (deadLetter) => (isDlq ? new ErrorPolicy({ policy: 'fail' }, init.log, undefined) : this.policy(deadLetter)),
      acknowledge: (id, snapshot) => this.coordinator?.acknowledge(id, snapshot),
      metrics: this.options.metrics,
      log: init.log,
    });
    this.writers.push({ sinkId: entry.config.id, writer, task });
  }

  private createEnumerator(sourceId: string, source: PipelineComponents['sources'][number]['source'], parallelism: number): void {
    const context = {
      parallelism,
      assignSplits: (subtask: number, splits: readonly SourceSplit[]) =>
        this.deliverAssignment(() => this.readerOf(sourceId, subtask).addSplits(splits)),
      signalNoMoreSplits: (subtask: number) =>
        this.deliverAssignment(() => this.readerOf(sourceId, subtask).signalNoMoreSplits()),
    };
    const init = this.initContext(sourceId, 0, 1);
    const state = this.options.restored?.sources[sourceId]?.enumerator;
    const enumerator =
      state === undefined
        ? source.createEnumerator(context, init)
        : source.restoreEnumerator(context, init, source.enumeratorStateSerializer.deserialize(state.version, state.data));
    this.enumerators.set(sourceId, enumerator);
  }

  private deliverAssignment(deliver: () => void): void {
    if (this.deferredAssignments === undefined) deliver();
    else this.deferredAssignments.push(deliver);
  }

  private releaseAssignments(): void {
    const deferred = this.deferredAssignments ?? [];
    this.deferredAssignments = undefined;
    for (const deliver of deferred) deliver();
  }

  private readerOf(sourceId: string, subtask: number): ReaderTask {
    const id = readerTaskId(sourceId, subtask);
    const task = this.readers.find((candidate) => candidate.taskId === id);
    if (task === undefined) throw new LockstepError(`no reader subtask ${subtask} for source ${sourceId}`, { code: 'LS_SOURCE_CONTRACT' });
    return task;
  }

  private snapshotEnumerators(id: number): Record<string, { version: number; data: unknown }> {
    this.deferredAssignments ??= [];
    const result: Record<string, { version: number; data: unknown }> = {};
    for (const { config, source } of this.options.components.sources) {
      const enumerator = this.enumerators.get(config.id);
      if (enumerator === undefined) continue;
      result[config.id] = { version: source.enumeratorStateSerializer.version, data: source.enumeratorStateSerializer.serialize(enumerator.snapshotState(id)) };
    }
    return result;
  }

  /** Periodic checkpoints until the input ends (final checkpoint) or a stop is requested (savepoint). */
  private async drive(): Promise<ExecutionOutcome> {
    const { intervalMs } = this.options.components.config.checkpoint;
    let stop = false;
    void this.options.stopRequested.then(() => (stop = true));
    let inputEnded = false;
    void this.inputEnded.then(() => (inputEnded = true));
    for (;;) {
      if (intervalMs > 0) await delayOrUntil(intervalMs, this.options.stopRequested, this.inputEnded);
      else await Promise.race([this.options.stopRequested, this.inputEnded]);
      if (stop || inputEnded) break;
      await this.checkpoint('periodic');
    }
    const kind: CheckpointKind = inputEnded && !stop ? 'final' : 'savepoint';
    const result = await this.checkpoint(kind);
    if (result.status === 'aborted') {
      if (kind === 'final') throw new LockstepError(`final checkpoint ${result.checkpointId} aborted: ${result.reason}`, { code: 'LS_CHECKPOINT_ABORTED' });
      return { status: 'stopped', checkpointId: this.coordinator?.latestCompletedId, savepoint: false };
    }
    await this.settleCommits(result.record.checkpointId, kind);
    return kind === 'final'
      ? { status: 'finished', checkpointId: result.record.checkpointId }
      : { status: 'stopped', checkpointId: result.record.checkpointId, savepoint: true };
  }

  /**
   * The checkpoint that ends a run must leave nothing uncommitted: no later checkpoint would retry a commit that asked
   * to be retried, and a prepared transaction left behind keeps its rows invisible (and, in a database, its locks)
   * until some future start. Retries with backoff; when commits are still pending, fails the run, so that recovery
   * commits them from the checkpoint record, which lists them.
   */
  private async settleCommits(checkpointId: number, kind: CheckpointKind): Promise<void> {
    const pending = this.pending as PendingCommits;
    for (let attempt = 1; pending.size > 0; attempt += 1) {
      if (attempt > SETTLE_ATTEMPTS) {
        throw new LockstepError(
          `${kind} checkpoint ${checkpointId} completed, but ${pending.size} of its commits are still pending after ` +
            `${SETTLE_ATTEMPTS} attempts; they are committed from the checkpoint at the next start`,
          { code: 'LS_COMMITS_PENDING', retriable: true },
        );
      }
      this.options.log.warn({ checkpointId, pending: pending.size, attempt }, 'commits still pending at the end of the run; retrying');
      await delayOrUntil(restartDelayMs(SETTLE_BACKOFF, attempt));
      await pending.commitAll();
    }
  }

  private async checkpoint(kind: CheckpointKind): Promise<CheckpointResult> {
    const coordinator = this.coordinator as CheckpointCoordinator;
    let result: CheckpointResult;
    try {
      result = await coordinator.trigger(kind);
    } finally {
      this.releaseAssignments();
    }
    if (result.status === 'completed') this.options.metrics.recordCheckpoint(result.record.checkpointId, result.durationMs);
    else this.options.metrics.checkpointsAborted += 1;
    this.options.onCheckpoint(result);
    return result;
  }

  private onEndOfInput(readerCount: number): void {
    this.finishedReaders += 1;
    if (this.finishedReaders === readerCount) this.allFinished();
  }

  private policy(deadLetter: (letter: DeadLetter) => void): ErrorPolicy {
    const config = this.options.components.config.errors;
    return new ErrorPolicy(config, this.options.log, config.policy === 'dead-letter' ? deadLetter : undefined);
  }

  private channel(name: string): Channel<StreamElement> {
    const channel = new Channel<StreamElement>(name, this.options.channelCapacity);
    this.channels.push(channel);
    return channel;
  }

  private initContext(componentId: string, subtask: number, parallelism: number): InitContext {
    const pipeline = this.options.components.config.name;
    return { pipeline, componentId, subtask, parallelism, log: this.options.log.child({ component: componentId, subtask }) };
  }

  private async teardown(): Promise<void> {
    const failure = this.failure;
    if (failure) this.coordinator?.cancel(failure);
    for (const reader of this.readers) reader.cancel();
    for (const channel of this.channels) channel.close();
    const closing = [
      ...this.readers.map((task) => task.close()),
      ...this.writers.map((entry) => entry.writer.close()),
      ...[...this.enumerators.values()].map((enumerator) => enumerator.close()),
      ...this.committers.map((handle) => handle.committer.close()),
    ];
    for (const result of await Promise.allSettled(closing)) {
      if (result.status === 'rejected') this.options.log.warn({ err: result.reason }, 'error while closing');
    }
  }
}

/** Retries of commits left pending by the checkpoint that ends a run, 250 ms apart and doubling (at most 5 s). */
const SETTLE_ATTEMPTS = 8;
const SETTLE_BACKOFF: RestartConfig = { maxAttempts: SETTLE_ATTEMPTS, initialBackoffMs: 250, maxBackoffMs: 5_000, jitter: 0 };

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
