import type { CommitOutcome, CommitRequest } from './commit';

/**
 * Commits committables of completed checkpoints. One committer per sink, run by the coordinator.
 *
 * Call order: `commit` after checkpoint n completed, with every pending committable of checkpoints ≤ n; at recovery,
 * `commit` with the restored committables **before any writer is created or any record flows**; `close()` last.
 * Must be idempotent and return one outcome per request, in order.
 */
export interface Committer<Committable> {
  commit(requests: readonly CommitRequest<Committable>[]): Promise<CommitOutcome[]>;
  close(): Promise<void>;
}
