import type { Logger } from 'pino';
import type { InitContext } from '../api/init-context';
import { CheckpointCoordinator, type CheckpointResult } from '../checkpoint/checkpoint-coordinator';
import type { CheckpointRecord } from '../checkpoint/checkpoint-record';
import type { CheckpointStore } from '../checkpoint/checkpoint-store';
import { SinkRecovery } from '../checkpoint/sink-recovery';
import { tagFailureOrigin, type FailureOrigin } from '../errors';
import { delayOrUntil } from '../sdk/delay';
import type { PipelineComponents } from './create-components';
import { CheckpointDriver, type ExecutionOutcome } from './checkpoint-driver';
import { EnumeratorHost } from './enumerator-host';
import { ExecutionGraph } from './execution-graph';
import type { PipelineMetrics, SourceLagUnit } from './pipeline-metrics';

export interface ExecutionOptions {
  readonly components: PipelineComponents;
  readonly store: CheckpointStore;
  /** The store's owner epoch (from `open`). */
  readonly ownerEpoch: number;
  readonly restored: CheckpointRecord | undefined;
  readonly log: Logger;
  readonly metrics: PipelineMetrics;
  readonly batchSize: number;
  readonly channelCapacity: number;
  readonly channelTargetMs: number;
  /** Resolves when the user asks to stop (SIGTERM/SIGINT): the execution takes a savepoint and ends. */
  readonly stopRequested: Promise<void>;
  readonly savepointName: () => string;
  readonly onCheckpoint: (result: CheckpointResult) => void;
  /** A component's client reported a failed connect (see `InitContext.reportConnectFailure`). */
  readonly onConnectFailure?: (origin: FailureOrigin, error: Error) => void;
}

/** The failed connects a component reported in this execution. */
export interface ConnectFailures {
  readonly count: number;
  readonly last: Error;
}

/**
 * One attempt at running a pipeline: recovery commits ({@link SinkRecovery}), then the tasks and channels
 * ({@link ExecutionGraph}), the enumerators ({@link EnumeratorHost}), and the checkpoints up to the final one or the
 * savepoint ({@link CheckpointDriver}). Any task failure tears everything down and rethrows; the runner decides
 * whether to restart.
 */
export class PipelineExecution {
  private recovery: SinkRecovery | undefined;
  private graph: ExecutionGraph | undefined;
  private enumerators: EnumeratorHost | undefined;
  private coordinator: CheckpointCoordinator | undefined;
  private failure: Error | undefined;
  private readonly failed: Promise<never>;
  private fail!: (error: Error) => void;
  /** Resolves when the execution failed: the checkpoint driver triggers nothing after it. */
  private readonly halted: Promise<void>;
  private endedReaders = 0;
  private recovering = true;
  private readonly connectFailures = new Map<string, ConnectFailures>();
  private allEnded!: () => void;
  private readonly inputEnded = new Promise<void>((resolve) => (this.allEnded = resolve));

  constructor(private readonly options: ExecutionOptions) {
    this.failed = new Promise<never>((_, reject) => {
      this.fail = (error) => {
        this.failure ??= error;
        reject(error);
      };
    });
    this.halted = this.failed.catch(() => undefined);
  }

  async run(): Promise<ExecutionOutcome> {
    try {
      const recovery = await this.unlessFailed(this.recover());
      this.recovering = false;
      const driver = this.build(recovery);
      const graph = this.graph as ExecutionGraph;
      const tasks = [
        ...graph.readers.map((task) => task.run().catch((error: unknown) => Promise.reject(tagFailureOrigin(error, { role: 'source', id: task.sourceId })))),
        ...graph.writerTasks.map((task) => task.run().catch((error: unknown) => Promise.reject(tagFailureOrigin(error, { role: 'sink', id: task.sinkId })))),
      ];
      for (const task of tasks) task.catch((error: unknown) => this.fail(asError(error)));
      await this.unlessFailed((this.enumerators as EnumeratorHost).start());
      const outcome = await Promise.race([driver.drive(), this.failed]);
      await Promise.race([Promise.all(tasks), this.failed]);
      return outcome;
    } catch (error) {
      this.fail(asError(error));
      throw this.failure ?? error;
    } finally {
      await this.teardown();
    }
  }

  /** `step`, or the execution's failure if that comes first (a step that fails later is then ignored). */
  private unlessFailed<T>(step: Promise<T>): Promise<T> {
    step.catch(() => undefined);
    return Promise.race([step, this.failed]);
  }

  /** Fails the execution from outside (a start that outlived its deadline): it tears down and `run` rejects with `error`. */
  abort(error: Error): void {
    this.fail(error);
  }

  /**
   * The components whose start is still running (committers recovering, an enumerator, readers or writers starting):
   * what a start that takes too long waits for — usually a connection.
   */
  startingComponents(): FailureOrigin[] {
    const found: FailureOrigin[] = [];
    if (this.recovering) found.push(...(this.recovery?.committers ?? []).map(({ sinkId }) => ({ role: 'sink' as const, id: sinkId })));
    const source = this.enumerators?.starting;
    if (source !== undefined) found.push({ role: 'source', id: source });
    for (const task of this.graph?.readers ?? []) if (task.starting) found.push({ role: 'source', id: task.sourceId });
    for (const task of this.graph?.writerTasks ?? []) if (task.starting) found.push({ role: 'sink', id: task.sinkId });
    return found.filter((origin, index) => found.findIndex((other) => other.role === origin.role && other.id === origin.id) === index);
  }

  /** Commits the restored checkpoint's committables before anything else runs. */
  private async recover(): Promise<SinkRecovery> {
    const { components, restored, store, log } = this.options;
    this.recovery = new SinkRecovery({
      sinks: components.sinks.map(({ config, sink }) => ({ sinkId: config.id, sink })),
      restored: restored && {
        checkpointId: restored.checkpointId,
        committables: Object.fromEntries(Object.entries(restored.sinks).map(([sinkId, snapshot]) => [sinkId, snapshot.committables])),
      },
      firstCheckpointId: store.peekNextCheckpointId(),
      ownerEpoch: this.options.ownerEpoch,
      verifyOwner: () => store.verifyOwner(),
      committerContext: (sinkId) => this.initContext(sinkId, 0, 1),
      log,
    });
    await this.recovery.commitRestored();
    return this.recovery;
  }

  private build(recovery: SinkRecovery): CheckpointDriver {
    const { components, store, restored, log, metrics } = this.options;
    const graph = new ExecutionGraph({
      components,
      restored,
      recovery,
      initContext: (componentId, subtask, parallelism) => this.initContext(componentId, subtask, parallelism),
      acknowledge: (id, snapshot) => this.coordinator?.acknowledge(id, snapshot),
      commitsSettled: () => this.coordinator?.commitsSettled() ?? Promise.resolve(),
      onReaderEnded: () => this.onReaderEnded(),
      batchSize: this.options.batchSize,
      channelCapacity: this.options.channelCapacity,
      channelTargetMs: this.options.channelTargetMs,
      metrics,
      log,
    });
    this.graph = graph;
    graph.build();
    const enumerators = new EnumeratorHost({
      sources: components.sources,
      restored,
      initContext: (componentId) => this.initContext(componentId, 0, 1),
      readerOf: (sourceId, subtask) => graph.readerOf(sourceId, subtask),
    });
    this.enumerators = enumerators;
    enumerators.create();
    this.coordinator = new CheckpointCoordinator({
      pipeline: components.config.name,
      store,
      timeoutMs: components.config.checkpoint.timeoutMs,
      log,
      readers: graph.readers,
      writerTaskIds: graph.writerTasks.map((task) => task.taskId),
      snapshotEnumerators: (id) => enumerators.snapshot(id),
      parallelism: Object.fromEntries([...components.sources, ...components.sinks].map((e) => [e.config.id, e.parallelism])),
      pendingCommits: recovery.pending,
      sinkIds: components.sinks.map((entry) => entry.config.id),
      savepointName: this.options.savepointName,
    });
    return new CheckpointDriver({
      coordinator: this.coordinator,
      pending: recovery.pending,
      intervalMs: components.config.checkpoint.intervalMs,
      stopRequested: this.options.stopRequested,
      inputEnded: this.inputEnded,
      halted: this.halted,
      onCheckpointEnded: () => enumerators.release(),
      onCheckpoint: this.options.onCheckpoint,
      metrics,
      log,
    });
  }

  private onReaderEnded(): void {
    this.endedReaders += 1;
    if (this.endedReaders === this.graph?.readers.length) this.allEnded();
  }

  private initContext(componentId: string, subtask: number, parallelism: number): InitContext {
    const pipeline = this.options.components.config.name;
    const origin: FailureOrigin = {
      role: this.options.components.sources.some((entry) => entry.config.id === componentId) ? 'source' : 'sink',
      id: componentId,
    };
    const reportConnectFailure = (error: Error): void => {
      const key = `${origin.role}:${origin.id}`;
      this.connectFailures.set(key, { count: (this.connectFailures.get(key)?.count ?? 0) + 1, last: error });
      this.options.onConnectFailure?.(origin, error);
    };
    const reportSourceLag = (split: string, unit: SourceLagUnit, value: number): void => this.options.metrics.reportLag(componentId, split, unit, value);
    const log = this.options.log.child({ component: componentId, subtask });
    return { pipeline, componentId, subtask, parallelism, log, reportConnectFailure, ...(origin.role === 'source' ? { reportSourceLag } : {}) };
  }

  /** The failed connects `origin` reported in this execution, if any. */
  connectFailuresOf(origin: FailureOrigin): ConnectFailures | undefined {
    return this.connectFailures.get(`${origin.role}:${origin.id}`);
  }

  /**
   * Closes everything. A task still starting (a writer's `init`, a reader's `start`) is closed when its start ends, and
   * waited for at most {@link START_WAIT_MS}; after a failure, the whole teardown waits at most {@link FAILED_CLOSE_WAIT_MS}
   * (what closes later is logged), so that a failed pipeline gets to its restart or its end.
   */
  private async teardown(): Promise<void> {
    const { log } = this.options;
    if (this.failure) this.coordinator?.cancel(this.failure);
    const closing = [
      ...(this.graph?.close(START_WAIT_MS) ?? []),
      ...(this.enumerators?.close() ?? []),
      ...(this.recovery?.committers ?? []).map((handle) => handle.committer.close()),
    ].map((closed) => closed.catch((error: unknown) => log.warn({ err: error }, 'error while closing')));
    let closed = false;
    const all = Promise.all(closing).then(() => void (closed = true));
    if (this.failure === undefined) return await all;
    await delayOrUntil(FAILED_CLOSE_WAIT_MS, all);
    if (!closed) log.warn({ waitMs: FAILED_CLOSE_WAIT_MS }, 'failed execution: closing still in progress after the wait; going on');
  }
}

/** How long teardown waits for a task that is still starting (it is closed when the start ends). */
const START_WAIT_MS = 2_000;
/** How long the teardown of a failed execution waits for everything to close. */
const FAILED_CLOSE_WAIT_MS = 3_000;

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
