import type { SourceSplit } from '../../../core/sdk';

/**
 * Where streaming resumes: every transaction whose commit record starts before `lsn` was emitted completely (`lsn` is
 * the end LSN of the last emitted commit, or a keepalive position past it); of the next transaction — the one that
 * commits at `partial.commitLsn` — the first `partial.emitted` events were emitted too. A restart asks the slot for
 * `lsn` (the server then sends exactly the transactions committing at or after it) and skips those events.
 */
export interface StreamPosition {
  readonly lsn: bigint;
  readonly partial?: { readonly commitLsn: bigint; readonly emitted: number };
}

/**
 * How far the chunked snapshot got (see `SnapshotChunker`): `tables` still to read (`schema.table`, the first is being
 * read), and of the first one the key (Postgres' text of each key column) of the last row of the last chunk emitted;
 * none when it has not started. No table left: the snapshot is done.
 */
export interface SnapshotProgress {
  readonly tables: readonly string[];
  readonly after?: readonly (string | null)[];
}

/**
 * How far the split got:
 * - `new`: nothing read yet. With `snapshot: initial` the reader (re)creates the slot and takes the initial
 *   snapshot; with `never` it streams from the slot's confirmed position (creating the slot when absent).
 * - `snapshot`: the initial snapshot was under way. The exported snapshot died with the crashed run, so a restore
 *   drops the slot and starts the snapshot over (its `read` records are delivered again; see the README).
 *   (Written by versions before the chunked snapshot, and by servers before Postgres 14.)
 * - `stream`: streaming from the slot, at `position`; with `snapshot`, the chunked snapshot is under way beside it.
 */
export type CdcProgress =
  | { readonly phase: 'new' }
  | { readonly phase: 'snapshot' }
  | { readonly phase: 'stream'; readonly position: StreamPosition; readonly snapshot?: SnapshotProgress };

/** The one split of a postgres-cdc source: its replication slot (the split id) and how far it was read. */
export interface PostgresCdcSplit extends SourceSplit {
  readonly progress: CdcProgress;
}
