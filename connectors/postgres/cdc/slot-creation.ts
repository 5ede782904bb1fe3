import type { Client } from 'pg';
import type { Logger } from 'pino';
import { LockstepError } from '../../../core/sdk';
import type { CreatedSlot, ReplicationConnection } from './replication-connection';

/** How often a slot creation still waiting looks up what it waits for. */
const CHECK_INTERVAL_MS = 1_000;
/** How often the same blockers are logged again while the wait goes on. */
const REPEAT_LOG_MS = 30_000;

/** A transaction open on the server that a new logical slot waits for. */
export interface OpenTransaction {
  /** `prepared` (a two-phase transaction waiting for COMMIT/ROLLBACK PREPARED) or `session` (a running one). */
  readonly kind: 'prepared' | 'session';
  readonly xid: string;
  /** The gid of a prepared transaction. */
  readonly gid: string | null;
  /** The backend of a session's transaction. */
  readonly pid: number | null;
  readonly database: string | null;
  readonly owner: string | null;
  /** When it was prepared or began (ISO 8601). */
  readonly since: string | null;
}

export interface SlotCreationSettings {
  readonly slot: string;
  readonly exportSnapshot: boolean;
  readonly serverVersion: number;
  readonly timeoutMs: number;
  /** Aborted when the reader closes (SIGTERM): the creation is cancelled on the server at once. */
  readonly signal: AbortSignal;
  /** Called once when the creation is found still waiting (after a second). */
  readonly onWaiting?: () => void;
}

/**
 * Creates a logical slot without waiting silently. Postgres makes a new logical slot wait until every transaction
 * that holds an xid has ended — a prepared transaction nobody commits (an in-doubt two-phase commit, a sink's
 * leftover) blocks it for good. While the creation waits, the open transactions are looked up every second and
 * logged, named (prepared gid or backend pid, xid, since when); past `timeoutMs`, or when `signal` aborts, the
 * command is cancelled on the server (`pg_cancel_backend` of the replication connection's backend, so no walsender
 * keeps waiting) and the creation fails with `LS_POSTGRES_CDC_SLOT_BLOCKED` (retriable) naming the blockers.
 */
export async function createSlotWatched(replication: ReplicationConnection, catalog: Client, settings: SlotCreationSettings, log: Logger): Promise<CreatedSlot> {
  const { slot, timeoutMs, signal } = settings;
  const creating = replication.createSlot(slot, settings.exportSnapshot, settings.serverVersion);
  const outcome = creating.then(
    (created) => ({ created }),
    (error: unknown) => ({ error }),
  );
  const started = Date.now();
  let reported = '';
  let reportedAt = 0;
  for (;;) {
    const settled = await Promise.race([outcome, delay(CHECK_INTERVAL_MS, signal)]);
    if (settled !== undefined) {
      if ('error' in settled) throw settled.error;
      if (reported !== '') log.info({ slot, waitedMs: Date.now() - started }, 'postgres-cdc: replication slot created after waiting for open transactions');
      return settled.created;
    }
    if (reported === '') settings.onWaiting?.();
    const blockers = await openTransactions(catalog, replication.backendPid);
    const described = describeBlockers(blockers);
    const waitedMs = Date.now() - started;
    if (signal.aborted || waitedMs >= timeoutMs) {
      await catalog.query('SELECT pg_cancel_backend($1)', [replication.backendPid]).catch(() => undefined);
      await outcome;
      if (signal.aborted) {
        throw new LockstepError(`postgres-cdc: creating replication slot ${slot} was cancelled: the source is closing`, { code: 'LS_POSTGRES_CDC_SLOT_BLOCKED', retriable: true });
      }
      throw new LockstepError(
        `postgres-cdc: creating replication slot ${slot} waited ${Math.round(waitedMs / 1000)} s (slotCreateTimeout) for open transactions to end: ` +
          `${described}. Fix: COMMIT PREPARED / ROLLBACK PREPARED the prepared transactions (a lockstep postgres sink resolves its own on restore), ` +
          'or end the sessions; the attempt was cancelled on the server',
        { code: 'LS_POSTGRES_CDC_SLOT_BLOCKED', retriable: true, context: { slot, waitedMs, blockers: described } },
      );
    }
    if (described !== reported || Date.now() - reportedAt >= REPEAT_LOG_MS) {
      log.warn(
        { slot, waitedMs, timeoutMs, blockers },
        `postgres-cdc: creating replication slot ${slot} waits for open transactions to end: ${described} (fails after slotCreateTimeout)`,
      );
      reported = described;
      reportedAt = Date.now();
    }
  }
}

/** Transactions holding an xid on the server (prepared ones first), other than `ownPid`'s. */
export async function openTransactions(catalog: Client, ownPid: number): Promise<OpenTransaction[]> {
  const result = await catalog.query<OpenTransaction>(
    `SELECT 'prepared' AS kind, transaction::text AS xid, gid, NULL::int AS pid, database::text, owner::text, prepared::text AS since
       FROM pg_prepared_xacts
     UNION ALL
     SELECT 'session', backend_xid::text, NULL, pid, datname::text, usename::text, xact_start::text
       FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> $1 AND pid <> pg_backend_pid()
     ORDER BY 1, 7`,
    [ownPid],
  );
  return result.rows;
}

/** One line: `prepared transaction 'gid' (xid 123, database shop, since …), session pid 42 (xid 124, since …)`. */
export function describeBlockers(blockers: readonly OpenTransaction[]): string {
  if (blockers.length === 0) return 'no transaction holding an xid is visible (one may have just ended, or belong to a role this one cannot see)';
  return blockers
    .map((blocker) =>
      blocker.kind === 'prepared'
        ? `prepared transaction '${blocker.gid}' (xid ${blocker.xid}, database ${blocker.database}, since ${blocker.since})`
        : `the transaction of backend pid ${blocker.pid} (xid ${blocker.xid}, database ${blocker.database}, user ${blocker.owner}, since ${blocker.since})`,
    )
    .join(', ');
}

/** Resolves with undefined after `ms`, or at once when `signal` aborts. */
function delay(ms: number, signal: AbortSignal): Promise<undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(undefined);
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve(undefined);
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
