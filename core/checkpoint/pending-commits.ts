import type { Logger } from 'pino';
import type { CommitOutcome } from '../api/commit';
import { LockstepError, tagFailureOrigin } from '../errors';
import type { PersistedCommittable } from './checkpoint-record';
import { crashPoint } from './crash-points';
import type { SinkCommitterHandle } from './sink-committer-handle';

/** Counts of commit outcomes, for logs, metrics and tests. */
export interface CommitSummary {
  committed: number;
  alreadyCommitted: number;
  retryLater: number;
  failedKnown: number;
}

/** Sees each commit outcome as it comes (the conformance harness reports recovery outcomes one by one). */
export type CommitObserver = (sinkId: string, entry: PersistedCommittable, outcome: CommitOutcome) => void;

/**
 * Committables of completed checkpoints that are not committed yet, per sink. `commitAll` tries every one of them
 * and keeps those that answered `retry-later`; a `failed-unknown` outcome throws, so the pipeline fails over and
 * recovery retries from the checkpoint record, which still lists the committable. Committables added while a
 * `commitAll` runs (the next checkpoint completed meanwhile) stay pending for the next one; calls of `commitAll` must
 * not overlap (the coordinator chains them).
 */
export class PendingCommits {
  private readonly pending = new Map<string, PersistedCommittable[]>();

  constructor(
    private readonly handles: ReadonlyMap<string, SinkCommitterHandle>,
    private readonly log: Logger,
  ) {}

  add(sinkId: string, committables: readonly PersistedCommittable[]): void {
    if (committables.length === 0) return;
    this.pending.set(sinkId, [...(this.pending.get(sinkId) ?? []), ...committables]);
  }

  /** Everything still pending for `sinkId`, to be written into the next checkpoint record. */
  of(sinkId: string): PersistedCommittable[] {
    return [...(this.pending.get(sinkId) ?? [])];
  }

  get size(): number {
    let total = 0;
    for (const list of this.pending.values()) total += list.length;
    return total;
  }

  async commitAll(observe?: CommitObserver): Promise<CommitSummary> {
    const summary: CommitSummary = { committed: 0, alreadyCommitted: 0, retryLater: 0, failedKnown: 0 };
    for (const [sinkId, list] of [...this.pending]) {
      const handle = this.handles.get(sinkId);
      if (handle === undefined || list.length === 0) continue;
      const requests = list.map((entry) => ({
        committable: handle.serializer.deserialize(entry.committable.version, entry.committable.data),
        checkpointId: entry.checkpointId,
        attempt: entry.attempts,
      }));
      crashPoint('during-commit');
      const outcomes = await handle.committer.commit(requests).catch((error: unknown) => {
        throw tagFailureOrigin(error, { role: 'sink', id: sinkId });
      });
      if (outcomes.length !== list.length) {
        throw new LockstepError(`committer of sink ${sinkId} returned ${outcomes.length} outcomes for ${list.length} requests`, {
          code: 'LS_COMMIT_CONTRACT',
        });
      }
      const keep: PersistedCommittable[] = [];
      outcomes.forEach((outcome, index) => {
        const entry = list[index] as PersistedCommittable;
        observe?.(sinkId, entry, outcome);
        try {
          if (this.account(sinkId, entry, outcome, summary)) keep.push({ ...entry, attempts: entry.attempts + 1 });
        } catch (error) {
          throw tagFailureOrigin(error, { role: 'sink', id: sinkId });
        }
      });
      // What was added while the commits ran (a later checkpoint's committables) stays, after what is retried.
      const tried = new Set(list);
      const added = (this.pending.get(sinkId) ?? []).filter((entry) => !tried.has(entry));
      this.pending.set(sinkId, [...keep, ...added]);
    }
    return summary;
  }

  /** Applies one outcome; returns true when the committable stays pending. */
  private account(sinkId: string, entry: PersistedCommittable, outcome: CommitOutcome, summary: CommitSummary): boolean {
    const where = { sink: sinkId, checkpointId: entry.checkpointId };
    switch (outcome.kind) {
      case 'committed':
        summary.committed += 1;
        return false;
      case 'already-committed':
        summary.alreadyCommitted += 1;
        return false;
      case 'retry-later':
        summary.retryLater += 1;
        this.log.warn({ ...where, attempt: entry.attempts + 1, reason: outcome.reason }, 'commit will be retried');
        return true;
      case 'failed-known':
        summary.failedKnown += 1;
        this.log.error(
          { ...where, reason: outcome.reason, committable: entry.committable.data },
          'POSSIBLE DATA LOSS: a pre-committed transaction can no longer be committed',
        );
        return false;
      case 'failed-unknown':
        throw new LockstepError(`commit of sink ${sinkId} (checkpoint ${entry.checkpointId}) failed: ${outcome.reason}`, {
          code: 'LS_COMMIT_FAILED',
          retriable: true,
          cause: outcome.cause,
          context: { sink: sinkId, checkpointId: entry.checkpointId },
        });
    }
  }
}
