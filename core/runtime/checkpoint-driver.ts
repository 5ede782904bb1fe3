import type { Logger } from 'pino';
import type { AbortedCheckpoint, CheckpointCoordinator, CheckpointResult, DurableCheckpoint } from '../checkpoint/checkpoint-coordinator';
import type { CheckpointKind } from '../checkpoint/checkpoint-record';
import type { PendingCommits } from '../checkpoint/pending-commits';
import { LockstepError } from '../errors/lockstep-error';
import { delayOrUntil } from '../sdk/delay';
import { backoffDelayMs, type BackoffPolicy } from '../sdk/retry';
import type { PipelineMetrics } from './pipeline-metrics';

/** How an execution ended. */
export type ExecutionOutcome =
  | { readonly status: 'finished'; readonly checkpointId: number }
  | {
      readonly status: 'stopped';
      /** The last completed checkpoint (the savepoint's, when one was taken): the next start resumes from it. */
      readonly checkpointId: number | undefined;
      /** Whether the stop took the savepoint it asks for; when not, `reason` says why. */
      readonly savepoint: boolean;
      readonly reason?: string;
    };

export interface CheckpointDriverOptions {
  readonly coordinator: CheckpointCoordinator;
  readonly pending: PendingCommits;
  /** Periodic checkpoint interval; 0 = only the checkpoint that ends the run. */
  readonly intervalMs: number;
  /** Resolves when the user asks to stop: the run ends with a savepoint. */
  readonly stopRequested: Promise<void>;
  /** Resolves when every reader reached the end of its input: the run ends with a final checkpoint. */
  readonly inputEnded: Promise<void>;
  /** Resolves when the execution failed: nothing is triggered after it. */
  readonly halted: Promise<void>;
  /** Called when a triggered checkpoint ended, completed or aborted (the enumerators' deferred assignments). */
  readonly onCheckpointEnded: () => void;
  /** Called when a checkpoint was aborted, or completed and its commits were tried. */
  readonly onCheckpoint: (result: CheckpointResult) => void;
  readonly metrics: PipelineMetrics;
  readonly log: Logger;
}

/**
 * Drives the checkpoints of one execution: periodic ones until the input ends (then a final checkpoint) or a stop is
 * requested (then a savepoint), and settles the commits of the checkpoint that ends the run. Periodic checkpoints are
 * triggered `intervalMs` apart, trigger to trigger (Flink's checkpoint interval, with no minimum pause): one that took
 * longer than the interval is followed at once by the next, while its commits may still run. One checkpoint is in
 * flight at a time; a commit that fails fails the run.
 */
export class CheckpointDriver {
  private failCommit!: (error: unknown) => void;
  /** Rejects with the first commit failure. */
  private readonly commitFailed = new Promise<never>((_, reject) => (this.failCommit = reject));

  constructor(private readonly options: CheckpointDriverOptions) {
    this.commitFailed.catch(() => undefined);
  }

  async drive(): Promise<ExecutionOutcome> {
    const { intervalMs, stopRequested, inputEnded, halted } = this.options;
    let stop = false;
    void stopRequested.then(() => (stop = true));
    let ended = false;
    void inputEnded.then(() => (ended = true));
    let failed = false;
    void halted.then(() => (failed = true));
    let lastTrigger = Date.now();
    for (;;) {
      if (intervalMs > 0) {
        const wait = Math.max(0, lastTrigger + intervalMs - Date.now());
        await Promise.race([delayOrUntil(wait, stopRequested, inputEnded, halted), this.commitFailed]);
      } else await Promise.race([stopRequested, inputEnded, halted, this.commitFailed]);
      if (failed) return HALTED;
      if (stop || ended) break;
      lastTrigger = Date.now();
      await Promise.race([this.checkpoint('periodic'), this.commitFailed]);
    }
    const kind: CheckpointKind = ended && !stop ? 'final' : 'savepoint';
    const triggered = await Promise.race([this.checkpoint(kind), this.commitFailed]);
    const result = triggered.status === 'durable' ? await triggered.committed : triggered;
    if (result.status === 'aborted') {
      if (kind === 'final') throw new LockstepError(`final checkpoint ${result.checkpointId} aborted: ${result.reason}`, { code: 'LS_CHECKPOINT_ABORTED' });
      const reason = `savepoint checkpoint ${result.checkpointId} aborted: ${result.reason}`;
      return { status: 'stopped', checkpointId: this.options.coordinator.latestCompletedId, savepoint: false, reason };
    }
    await this.settleCommits(result.record.checkpointId, kind);
    return kind === 'final'
      ? { status: 'finished', checkpointId: result.record.checkpointId }
      : { status: 'stopped', checkpointId: result.record.checkpointId, savepoint: true };
  }

  private async checkpoint(kind: CheckpointKind): Promise<DurableCheckpoint | AbortedCheckpoint> {
    let result: DurableCheckpoint | AbortedCheckpoint;
    try {
      result = await this.options.coordinator.trigger(kind);
    } finally {
      this.options.onCheckpointEnded();
    }
    const { metrics } = this.options;
    if (result.status === 'aborted') {
      metrics.checkpointsAborted += 1;
      this.options.onCheckpoint(result);
      return result;
    }
    metrics.recordCheckpoint(result.record.checkpointId, result.durationMs);
    metrics.recordCheckpointTimings(result);
    result.committed.then(
      (completed) => {
        metrics.recordCommit(completed.commitMs);
        this.options.onCheckpoint(completed);
      },
      (error: unknown) => this.failCommit(error),
    );
    return result;
  }

  /**
   * The checkpoint that ends a run must leave nothing uncommitted: no later checkpoint would retry a commit that asked
   * to be retried, and a prepared transaction left behind keeps its rows invisible (and, in a database, its locks)
   * until some future start. Retries with backoff; when commits are still pending, fails the run, so that recovery
   * commits them from the checkpoint record, which lists them.
   */
  private async settleCommits(checkpointId: number, kind: CheckpointKind): Promise<void> {
    const { pending } = this.options;
    for (let attempt = 1; pending.size > 0; attempt += 1) {
      if (attempt > SETTLE_ATTEMPTS) {
        throw new LockstepError(
          `${kind} checkpoint ${checkpointId} completed, but ${pending.size} of its commits are still pending after ` +
            `${SETTLE_ATTEMPTS} attempts; they are committed from the checkpoint at the next start`,
          { code: 'LS_COMMITS_PENDING', retriable: true },
        );
      }
      this.options.log.warn({ checkpointId, pending: pending.size, attempt }, 'commits still pending at the end of the run; retrying');
      await delayOrUntil(backoffDelayMs(SETTLE_BACKOFF, attempt));
      await pending.commitAll();
    }
  }
}

/** What `drive` returns when the execution failed (the execution reports its failure instead). */
const HALTED: ExecutionOutcome = { status: 'stopped', checkpointId: undefined, savepoint: false };

/** Retries of commits left pending by the checkpoint that ends a run, 250 ms apart and doubling (at most 5 s). */
const SETTLE_ATTEMPTS = 8;
const SETTLE_BACKOFF: BackoffPolicy = { initialDelayMs: 250, maxDelayMs: 5_000, jitter: 0 };
