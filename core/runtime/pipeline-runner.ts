import type { Logger } from 'pino';
import { supportsTraceInspection } from '../api/sink-traces';
import type { CheckpointResult } from '../checkpoint/checkpoint-coordinator';
import type { CheckpointRecord } from '../checkpoint/checkpoint-record';
import type { CheckpointStore } from '../checkpoint/checkpoint-store';
import { fatalErrorIn, isRetriable, LockstepError, type FailureOrigin } from '../errors';
import type { PipelineComponents } from './create-components';
import type { ExecutionOutcome } from './checkpoint-driver';
import { PipelineExecution } from './pipeline-execution';
import type { PipelineMetrics } from './pipeline-metrics';
import { failureLabel } from './component-label';
import { LastingFailures } from './lasting-failures';
import { restartDelayMs } from './restart-strategy';
import { waitBeforeRestart } from './restart-wait';
import { startingPoint, type StartMode } from './start-check';
import { StartWatch } from './start-watch';

/** How many milliseconds of records a channel holds at its writer's rate, by default (see `RunPipelineOptions`). */
export const DEFAULT_CHANNEL_TARGET_MS = 100;

export interface RunPipelineOptions {
  /** Creates fresh plugin instances; called once per attempt. */
  readonly components: () => PipelineComponents | Promise<PipelineComponents>;
  readonly store: CheckpointStore;
  readonly log: Logger;
  readonly metrics: PipelineMetrics;
  /** Resolves when a graceful stop is asked for. */
  readonly stopRequested: Promise<void>;
  /** Restore from this savepoint (name or path) instead of the latest checkpoint, on the first attempt. */
  readonly fromSavepoint?: string;
  /** Restore from this checkpoint file (a retained or copied `chk-*.json`) instead of the latest checkpoint. */
  readonly fromCheckpoint?: string;
  /** Name of the savepoint a stop writes (default `stop-<timestamp>`); a function is asked at the stop. */
  readonly savepointName?: string | (() => string);
  /** Delete the store's checkpoints and clean the sinks' traces, then start fresh (`lockstep run --reset`). */
  readonly reset?: boolean;
  /** Take the checkpoint store over from an owner that looks alive (`lockstep run --take-over`): it is fenced. */
  readonly takeOver?: boolean;
  /** Records a reader polls at a time (default 512). */
  readonly batchSize?: number;
  /** The most a channel between a reader and a writer holds, in batches (default 8): the ceiling for memory. */
  readonly channelCapacity?: number;
  /**
   * Below that ceiling, a channel holds about this many milliseconds of records at its writer's measured rate (default
   * {@link DEFAULT_CHANNEL_TARGET_MS}; at least one batch): what a checkpoint barrier waits behind. 0: always the ceiling.
   */
  readonly channelTargetMs?: number;
  readonly onCheckpoint?: (result: CheckpointResult) => void;
  /** Called before each attempt starts (0 the first, then 1, 2… after failures): the pipeline is (again) running. */
  readonly onAttempt?: (attempt: number) => void;
  /** Called when an attempt failed and the runner waits `delayMs` (or less, see `waitBeforeRestart`) before the next. */
  readonly onRestarting?: (failure: { readonly attempt: number; readonly delayMs: number; readonly error: unknown }) => void;
}

/**
 * Runs a pipeline to its end: recovers from the last completed checkpoint (or a savepoint or checkpoint file) — at the
 * first start only after the sinks' traces showed that this cannot write committed data again ({@link startingPoint}:
 * no silent fresh start, no silent fallback past a missing checkpoint) — executes, and on a
 * retriable failure restarts with exponential backoff and jitter until `restart.maxAttempts` is spent; then (or on a
 * non-retriable failure such as a bad record under the `fail` policy, or at once on a fatal code anywhere in the cause
 * chain, such as `LS_KAFKA_INTERNALS`) it throws `LS_PIPELINE_FAILED` with the cause. Whether a failure is retriable
 * follows the error catalogue (core/errors/error-codes.ts): an error without a lockstep code is `LS_UNKNOWN`, retriable.
 * Until this process completed a checkpoint, a service that cannot be reached is restarted only until
 * `restart.startupDeadlineMs`, a start still connecting then is cut, a host that does not resolve fails at once, and a
 * full disk is restarted only until that deadline after it filled ({@link LastingFailures}). A restart after a service
 * could not be reached starts as soon as its address accepts connections again ({@link waitBeforeRestart}).
 */
export async function runPipeline(options: RunPipelineOptions): Promise<ExecutionOutcome> {
  const { store, log } = options;
  const opened = await store.open({ takeOver: options.takeOver === true });
  if (opened.tookOver !== undefined) {
    log.warn({ store: store.location, ownerEpoch: opened.ownerEpoch }, `TAKE-OVER: ${opened.tookOver}; the old owner is fenced: its next checkpoint write fails and it stops`);
  }
  try {
    return await runAttempts(options, opened.ownerEpoch);
  } finally {
    await store.close().catch((error: unknown) => log.warn({ err: error, store: store.location }, 'could not release the checkpoint store'));
  }
}

/** Opening the store once, runs and restarts the pipeline (see {@link runPipeline}). */
async function runAttempts(options: RunPipelineOptions, ownerEpoch: number): Promise<ExecutionOutcome> {
  const { store, log, metrics } = options;
  let stopping = false;
  void options.stopRequested.then(() => (stopping = true));
  let attempt = 0;
  // Started from a savepoint: restarts go back to it until this run completed a checkpoint of its own. The store's
  // latest checkpoint until then is an older run's, possibly later than the savepoint: restoring it would skip what the
  // savepoint was chosen to process again.
  let fromSavepoint = options.fromSavepoint ?? options.fromCheckpoint;
  const lasting = new LastingFailures(Date.now());
  // Until the first start got past the sinks' traces: a failure to ask them (a service down) is restarted as any other.
  let checked = false;
  for (;;) {
    options.onAttempt?.(attempt);
    const components = await options.components();
    const completedBefore = metrics.checkpointsCompleted;
    let restored: CheckpointRecord | undefined;
    const watch = new StartWatch(components, lasting, metrics.checkpointsCompleted > 0);
    try {
      restored = checked ? await restoreAgain(store, fromSavepoint) : await watch.before(firstStart(options, components), inspectedSinks(components));
      checked = true;
      log.info({ attempt, restoredCheckpoint: restored?.checkpointId, store: store.location }, restored ? 'starting from checkpoint' : 'starting fresh');
      const execution = new PipelineExecution({
        components,
        store,
        ownerEpoch,
        restored,
        log,
        metrics,
        batchSize: options.batchSize ?? 512,
        channelCapacity: options.channelCapacity ?? 8,
        channelTargetMs: options.channelTargetMs ?? DEFAULT_CHANNEL_TARGET_MS,
        stopRequested: options.stopRequested,
        savepointName: () =>
          (typeof options.savepointName === 'function' ? options.savepointName() : options.savepointName) ?? `stop-${new Date().toISOString().replace(/[:.]/g, '-')}`,
        onCheckpoint: options.onCheckpoint ?? (() => undefined),
        onConnectFailure: watch.onConnectFailure,
      });
      return await watch.run(execution);
    } catch (failure) {
      watch.dispose();
      // A process that was taken over fails because of it (its sink fenced by the new owner, its writes refused):
      // the fencing is the cause to report, and nothing is retried.
      const error = await store.verifyOwner().then(() => failure, (fenced: unknown) => fenced);
      const fatal = fatalErrorIn(error);
      const retriable = isRetriable(error);
      // A run that completed a checkpoint since its restart made progress: count restarts afresh.
      if (metrics.checkpointsCompleted > completedBefore) {
        attempt = 0;
        fromSavepoint = undefined;
        lasting.progressed();
      }
      attempt += 1;
      const { restart } = components.config;
      if (!retriable || attempt > restart.maxAttempts) {
        const why = fatal !== undefined ? ` (fatal: ${fatal.code})` : retriable ? ` after ${attempt - 1} restarts` : '';
        throw pipelineFailed(components.config.name, `${why}: ${(error as Error).message}`, error);
      }
      if (stopping) return stoppedWithoutSavepoint(error, metrics.lastCheckpointId ?? restored?.checkpointId);
      const delay = restartDelayMs(restart, attempt);
      // An unreachable service, an unknown host, a full disk: restarted only until restart.startupDeadline.
      const context = { label: failureLabel(components, error), checkpointed: metrics.checkpointsCompleted > 0, delayMs: delay };
      const verdict = lasting.verdict(error, restart, context);
      if (verdict !== undefined) throw pipelineFailed(components.config.name, `: ${verdict}`, error);
      metrics.restarts += 1;
      options.onRestarting?.({ attempt, delayMs: delay, error });
      const line = lasting.restartLine(error, attempt, restart, context);
      if (line !== undefined) log.warn({ attempt, delayMs: delay, cause: (error as Error).message }, line);
      else log.warn({ err: error, attempt, delayMs: delay }, 'pipeline failed; restarting from the last completed checkpoint');
      await waitBeforeRestart(error, restart, delay, options.stopRequested);
      if (stopping) return stoppedWithoutSavepoint(error, metrics.lastCheckpointId ?? restored?.checkpointId);
    }
  }
}

/** Where a restart of this process restores from: the savepoint or file it started from until it completed a checkpoint. */
function restoreAgain(store: CheckpointStore, from: string | undefined): Promise<CheckpointRecord | undefined> {
  return from !== undefined ? store.loadSavepoint(from) : store.latest();
}

/** The first start of this process: as it was asked for, checked with the sinks' traces ({@link startingPoint}). */
function firstStart(options: RunPipelineOptions, components: PipelineComponents): Promise<CheckpointRecord | undefined> {
  const mode: StartMode =
    options.reset === true
      ? { kind: 'reset' }
      : options.fromSavepoint !== undefined
        ? { kind: 'restore', what: 'savepoint', from: options.fromSavepoint }
        : options.fromCheckpoint !== undefined
          ? { kind: 'restore', what: 'checkpoint', from: options.fromCheckpoint }
          : { kind: 'latest' };
  return startingPoint({ pipeline: components.config.name, store: options.store, sinks: components.sinks, mode, log: options.log });
}

/** The sinks the first start asks for their traces: what that step waits for. */
function inspectedSinks(components: PipelineComponents): FailureOrigin[] {
  return components.sinks.filter(({ sink }) => supportsTraceInspection(sink)).map(({ config }) => ({ role: 'sink', id: config.id }));
}

/** The error that ends the runner: `pipeline <name> FAILED<detail>`, caused by the execution's failure. */
function pipelineFailed(pipeline: string, detail: string, cause: unknown): LockstepError {
  return new LockstepError(`pipeline ${pipeline} FAILED${detail}`, { code: 'LS_PIPELINE_FAILED', cause, context: { pipeline } });
}

/**
 * A stop asked for while the pipeline was failing (its execution failed, a restart was pending): no savepoint can be
 * taken; the next start resumes from the last completed checkpoint.
 */
function stoppedWithoutSavepoint(error: unknown, checkpointId: number | undefined): ExecutionOutcome {
  const reason = `stop requested while restarting after a failure (${(error as Error).message}); no savepoint taken`;
  return { status: 'stopped', checkpointId, savepoint: false, reason };
}
