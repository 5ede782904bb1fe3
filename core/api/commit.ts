/**
 * Outcome of committing one committable. Commits are idempotent: recovery may replay a commit that already happened.
 * - `committed` / `already-committed`: done.
 * - `retry-later`: transient (broker unavailable); kept pending and retried, also after a restart.
 * - `failed-known`: will never succeed, for a known reason (the transaction was aborted or timed out): logged as
 *   **possible data loss** with the reason, then dropped.
 * - `failed-unknown`: unexpected; the pipeline fails over and recovery retries the commit.
 */
export type CommitOutcome =
  | { readonly kind: 'committed' }
  | { readonly kind: 'already-committed' }
  | { readonly kind: 'retry-later'; readonly reason: string }
  | { readonly kind: 'failed-known'; readonly reason: string }
  | { readonly kind: 'failed-unknown'; readonly reason: string; readonly cause?: unknown };

/** One committable to commit, with the checkpoint that made it durable and how often it was tried. */
export interface CommitRequest<Committable> {
  readonly committable: Committable;
  readonly checkpointId: number;
  /** 0 on the first try. */
  readonly attempt: number;
}
