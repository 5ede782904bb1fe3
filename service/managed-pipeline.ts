import type { Logger } from 'pino';
import type { ValidatedPipeline } from '../cli/api';
import type { CheckpointResult } from '../core/checkpoint/checkpoint-coordinator';
import type { CheckpointRecord } from '../core/checkpoint/checkpoint-record';
import { LocalCheckpointStore } from '../core/checkpoint/local-checkpoint-store';
import { fatalErrorIn, LockstepError } from '../core/errors';
import { createComponents } from '../core/runtime/create-components';
import type { ExecutionOutcome } from '../core/runtime/checkpoint-driver';
import { PipelineMetrics } from '../core/runtime/pipeline-metrics';
import { runPipeline } from '../core/runtime/pipeline-runner';
import { backoffDelayMs, type BackoffPolicy } from '../core/sdk/retry';
import { describeError, type ErrorInfo } from './error-info';
import { latestStoredCheckpoint, type CheckpointInfo } from './checkpoint-history';

/** A pipeline's state, as Flink users know them. */
export type PipelineState = 'CREATED' | 'RUNNING' | 'PAUSED' | 'RESTARTING' | 'FAILED' | 'FINISHED' | 'STOPPED';

/** Where a pipeline of the service came from: a file of the config directory, or the API (persisted in the state directory). */
export type PipelineOrigin = 'config-dir' | 'api';

/** The service-level restarts of a pipeline the engine gave up on: 1 s, doubling, at most 10 min, ±20 % jitter. */
export const SERVICE_RESTART_BACKOFF: BackoffPolicy = { initialDelayMs: 1_000, maxDelayMs: 600_000, multiplier: 2, jitter: 0.2 };

/** How long `savepoint` waits for the next checkpoint to complete. */
const SAVEPOINT_WAIT_MS = 60_000;
/** Checkpoints kept in a pipeline's history (GET /pipelines/{name}/checkpoints). */
const HISTORY = 50;

export interface ManagedPipelineOptions {
  readonly pipeline: ValidatedPipeline;
  readonly origin: PipelineOrigin;
  readonly log: Logger;
  /** Overrides {@link SERVICE_RESTART_BACKOFF} (tests). */
  readonly restartBackoff?: BackoffPolicy;
  /** Sees every completed checkpoint's duration (the metrics' histogram). */
  readonly onCheckpointCompleted?: (pipeline: string, durationMs: number) => void;
}

/** A run in progress: how to stop it and when it ended. */
interface ActiveRun {
  readonly stop: AbortController;
  readonly store: LocalCheckpointStore;
  readonly done: Promise<void>;
}

/**
 * One pipeline of `lockstep serve`, isolated from the others: its own engine run (core/runtime's `runPipeline`, with its
 * own checkpoint store, restarts and metrics), and on top of the engine's restarts a service-level restart loop with
 * exponential backoff (1 s → 10 min, jitter) for failures the engine gave up on — except fatal ones (a fenced or
 * corrupt store, broken internals), which leave it FAILED until restarted by hand. Nothing a pipeline does awaits
 * another: a failure ends in this object's state.
 *
 * Call order: `start()`; then any of `pause()`/`stop()` (stop with a savepoint), `resume()`, `restart()`,
 * `savepoint()`; `stop()` before dropping it.
 */
export class ManagedPipeline {
  private stateValue: PipelineState = 'CREATED';
  readonly metrics = new PipelineMetrics();
  private active: ActiveRun | undefined;
  /** What a stop in progress leaves the pipeline in. */
  private stopTarget: 'PAUSED' | 'STOPPED' | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Failures since the last completed checkpoint: the service backoff's attempt number. */
  private failuresInRow = 0;
  /** Restarts by the service after the engine gave up (the engine's own are in `metrics.restarts`). */
  serviceRestarts = 0;
  lastError: ErrorInfo | undefined;
  nextRestartAt: number | undefined;
  private lastOutcome: ExecutionOutcome | undefined;
  private readonly history: CheckpointInfo[] = [];
  private lastRecord: CheckpointRecord | undefined;
  /** Checkpoints by the service's count: completed, failed (aborted), their commits and the last one's size. */
  readonly counts = { commits: 0, commitsAlreadyDone: 0, commitFailures: 0, lastCheckpointBytes: 0, lastCompletedAt: 0 };
  private readonly waiters: ((record: CheckpointRecord) => void)[] = [];
  /** The lifecycle action in progress (see `serialized`). */
  private lifecycle: Promise<void> = Promise.resolve();

  constructor(private options: ManagedPipelineOptions) {}

  get name(): string {
    return this.options.pipeline.config.name;
  }
  get state(): PipelineState {
    return this.stateValue;
  }
  get origin(): PipelineOrigin {
    return this.options.origin;
  }
  get pipeline(): ValidatedPipeline {
    return this.options.pipeline;
  }
  get outcome(): ExecutionOutcome | undefined {
    return this.lastOutcome;
  }
  get checkpoints(): readonly CheckpointInfo[] {
    return this.history;
  }

  /** Starts the pipeline from its last completed checkpoint (a no-op while it runs or waits for a restart). */
  start(): void {
    if (this.active !== undefined || this.restartTimer !== undefined) return;
    this.launch();
  }

  /** Stops with a savepoint (the next start resumes from it) and stays PAUSED until `resume`. */
  pause(): Promise<void> {
    return this.serialized(() => this.halt('PAUSED'));
  }

  /** Resumes a paused, stopped, finished or failed pipeline from its last completed checkpoint. */
  resume(): Promise<void> {
    return this.serialized(async () => {
      if (this.active !== undefined || this.restartTimer !== undefined) {
        throw new LockstepError(`pipeline ${this.name} is ${this.stateValue}: nothing to resume`, { code: 'LS_SERVICE_STATE' });
      }
      this.failuresInRow = 0;
      this.launch();
    });
  }

  /** Stops with a savepoint and stays STOPPED (also the service's shutdown and a delete). */
  stop(): Promise<void> {
    return this.serialized(() => this.halt('STOPPED'));
  }

  /** Stops (with a savepoint when running) and starts again at once, the backoff forgotten. */
  restart(): Promise<void> {
    return this.serialized(async () => {
      await this.halt('STOPPED');
      this.failuresInRow = 0;
      this.launch();
    });
  }

  /** Stops, swaps the pipeline for `pipeline` (same name) and starts it unless it was paused or stopped. */
  replace(pipeline: ValidatedPipeline, origin: PipelineOrigin): Promise<void> {
    return this.serialized(async () => {
      const wasHeld = this.stateValue === 'PAUSED' || this.stateValue === 'STOPPED';
      await this.halt(this.stateValue === 'PAUSED' ? 'PAUSED' : 'STOPPED');
      this.options = { ...this.options, pipeline, origin };
      if (!wasHeld) this.launch();
    });
  }

  /** Runs lifecycle actions one after the other: two API calls at once never start two runs of one pipeline. */
  private serialized(action: () => Promise<void>): Promise<void> {
    const next = this.lifecycle.then(action);
    this.lifecycle = next.catch(() => undefined);
    return next;
  }

  /**
   * Keeps the next checkpoint that completes as the savepoint `name` (in the pipeline's checkpoint storage, under
   * savepoints/): a restore point `lockstep run --from-savepoint` and retention never delete. Returns its path.
   * @throws LS_SERVICE_STATE when the pipeline does not run; LS_SERVICE_SAVEPOINT when no checkpoint completes in 60 s.
   */
  async savepoint(name: string): Promise<{ readonly path: string; readonly checkpointId: number }> {
    const run = this.active;
    if (run === undefined || this.stateValue !== 'RUNNING') {
      throw new LockstepError(`pipeline ${this.name} is ${this.stateValue}: a savepoint needs it RUNNING`, { code: 'LS_SERVICE_STATE' });
    }
    let timer: NodeJS.Timeout | undefined;
    const record = await new Promise<CheckpointRecord>((resolve, reject) => {
      this.waiters.push(resolve);
      timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(resolve), 1);
        reject(new LockstepError(`pipeline ${this.name}: no checkpoint completed within ${SAVEPOINT_WAIT_MS / 1000} s`, { code: 'LS_SERVICE_SAVEPOINT' }));
      }, SAVEPOINT_WAIT_MS);
    }).finally(() => clearTimeout(timer));
    const path = await run.store.saveSavepoint(name, record);
    return { path, checkpointId: record.checkpointId };
  }

  /** The last completed checkpoint: of this service's run, else the newest in the pipeline's storage. */
  async lastCheckpoint(): Promise<CheckpointRecord | undefined> {
    this.lastRecord ??= await latestStoredCheckpoint(this.pipeline.config.checkpoint.storage);
    return this.lastRecord;
  }

  private launch(): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.nextRestartAt = undefined;
    this.stopTarget = undefined;
    const { config, registry } = this.options.pipeline;
    const stop = new AbortController();
    const store = new LocalCheckpointStore(config.checkpoint.storage, config.checkpoint.retain);
    const log = this.options.log.child({ pipeline: config.name });
    this.stateValue = 'RUNNING';
    const done = runPipeline({
      components: () => createComponents(config, registry),
      store,
      log,
      metrics: this.metrics,
      stopRequested: new Promise((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true })),
      savepointName: () => `${this.stopTarget === 'PAUSED' ? 'pause' : 'stop'}-${new Date().toISOString().replace(/[:.]/g, '-')}`,
      onAttempt: () => {
        this.nextRestartAt = undefined;
        if (this.stopTarget === undefined) this.stateValue = 'RUNNING';
      },
      onRestarting: ({ error, delayMs }) => {
        this.lastError = describeError(error);
        if (this.stopTarget !== undefined) return;
        // the engine's own restart: the status shows when it comes, like a restart by the service
        this.stateValue = 'RESTARTING';
        this.nextRestartAt = Date.now() + delayMs;
      },
      onCheckpoint: (result) => this.onCheckpoint(result),
    }).then(
      (outcome) => this.ended(outcome),
      (error: unknown) => this.failed(error),
    );
    this.active = { stop, store, done };
  }

  private onCheckpoint(result: CheckpointResult): void {
    if (result.status === 'aborted') {
      this.pushHistory({ id: result.checkpointId, status: 'aborted', reason: result.reason });
      return;
    }
    const { record, durationMs, commits } = result;
    this.lastRecord = record;
    this.failuresInRow = 0;
    this.stateValue = this.stopTarget === undefined ? 'RUNNING' : this.stateValue;
    const bytes = Buffer.byteLength(JSON.stringify(record));
    this.counts.commits += commits.committed;
    this.counts.commitsAlreadyDone += commits.alreadyCommitted;
    this.counts.commitFailures += commits.failedKnown;
    this.counts.lastCheckpointBytes = bytes;
    this.counts.lastCompletedAt = record.completedAt;
    this.pushHistory({
      id: record.checkpointId,
      status: 'completed',
      kind: record.kind,
      triggeredAt: new Date(record.triggeredAt).toISOString(),
      completedAt: new Date(record.completedAt).toISOString(),
      durationMs,
      sizeBytes: bytes,
      committed: commits.retryLater === 0 && commits.failedKnown === 0,
      commits: { ...commits },
    });
    this.options.onCheckpointCompleted?.(this.name, durationMs);
    for (const waiter of this.waiters.splice(0)) waiter(record);
  }

  private pushHistory(entry: CheckpointInfo): void {
    this.history.push(entry);
    if (this.history.length > HISTORY) this.history.shift();
  }

  private ended(outcome: ExecutionOutcome): void {
    this.active = undefined;
    this.lastOutcome = outcome;
    if (outcome.status === 'finished') this.stateValue = 'FINISHED';
    else this.stateValue = this.stopTarget ?? 'STOPPED';
    if (outcome.status === 'stopped' && !outcome.savepoint && outcome.reason !== undefined) {
      this.options.log.warn({ pipeline: this.name, reason: outcome.reason }, 'stopped without a savepoint');
    }
  }

  private failed(error: unknown): void {
    this.active = undefined;
    this.lastError = describeError(error);
    if (error instanceof LockstepError && error.code === 'LS_COMMIT_FAILED') this.counts.commitFailures += 1;
    if (this.stopTarget !== undefined) {
      this.stateValue = this.stopTarget;
      return;
    }
    if (fatalErrorIn(error) !== undefined) {
      this.stateValue = 'FAILED';
      this.options.log.error({ pipeline: this.name, err: error }, 'pipeline FAILED (fatal: not restarted; fix the cause, then restart it)');
      return;
    }
    this.failuresInRow += 1;
    const delay = backoffDelayMs(this.options.restartBackoff ?? SERVICE_RESTART_BACKOFF, this.failuresInRow);
    this.stateValue = 'RESTARTING';
    this.nextRestartAt = Date.now() + delay;
    this.options.log.warn({ pipeline: this.name, cause: this.lastError.message, delayMs: delay }, `pipeline failed; the service restarts it in ${Math.round(delay / 1000)} s`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.serviceRestarts += 1;
      this.launch();
    }, delay);
  }

  private async halt(target: 'PAUSED' | 'STOPPED'): Promise<void> {
    if (this.restartTimer !== undefined) {
      clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
      this.nextRestartAt = undefined;
    }
    const run = this.active;
    if (run === undefined) {
      if (this.stateValue !== 'FINISHED' || target === 'PAUSED') this.stateValue = target;
      return;
    }
    this.stopTarget = target;
    run.stop.abort();
    await run.done;
  }
}
