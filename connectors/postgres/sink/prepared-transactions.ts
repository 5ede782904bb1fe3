import type { Client } from 'pg';
import type { Logger } from 'pino';
import { LockstepError } from '../../../core/sdk';
import { sqlState } from '../errors';
import { quoteLiteral } from '../sql';
import type { ParsedGid, PostgresGids } from './postgres-gids';

/**
 * Fails (not retriable) when the server cannot prepare transactions: `max_prepared_transactions` is 0 by default and
 * can only be changed with a restart of the server.
 */
export async function checkPreparedTransactions(client: Pick<Client, 'query'>): Promise<void> {
  const result = await client.query<{ max_prepared_transactions: string }>('SHOW max_prepared_transactions');
  const max = Number(result.rows[0]?.max_prepared_transactions ?? 0);
  if (max > 0) return;
  throw new LockstepError(
    'the postgres server has max_prepared_transactions = 0, so the exactly-once postgres sink cannot prepare transactions: ' +
      'set max_prepared_transactions (at least the number of sink subtasks, e.g. 64) in postgresql.conf and restart the server, ' +
      'or use semantic: at-least-once',
    { code: 'LS_POSTGRES_NO_PREPARED_TRANSACTIONS', retriable: false },
  );
}

/** This sink's prepared transactions in the connected database, with their subtask, checkpoint id and owner epoch. */
export async function listPrepared(client: Client, gids: PostgresGids): Promise<({ gid: string } & ParsedGid)[]> {
  const result = await client.query<{ gid: string }>(
    // starts_with, not left(gid, n): JavaScript counts UTF-16 units, Postgres characters, and they differ for names
    // outside the BMP.
    'SELECT gid FROM pg_prepared_xacts WHERE database = current_database() AND starts_with(gid, $1) ORDER BY gid',
    [`${gids.prefix}:`],
  );
  return result.rows.flatMap((row) => {
    const parsed = gids.parse(row.gid);
    return parsed === undefined ? [] : [{ gid: row.gid, ...parsed }];
  });
}

/** `ROLLBACK PREPARED`, tolerating a transaction someone else finished meanwhile. */
export async function rollbackPrepared(client: Client, gid: string): Promise<void> {
  try {
    await client.query(`ROLLBACK PREPARED ${quoteLiteral(gid)}`);
  } catch (error) {
    if (sqlState(error) !== '42704') throw error;
  }
}

/** Whose sessions {@link fenceOlderSessions} looks for. */
export interface SessionFence {
  readonly gids: PostgresGids;
  readonly subtask: number;
  readonly ownerEpoch: number;
  /** Rejects when this process no longer owns the pipeline's checkpoint store (it is a zombie). */
  readonly verifyOwner: () => Promise<void>;
}

/**
 * Terminates the other sessions of this writer subtask (found by application_name, any owner epoch): a zombie writer
 * (a crashed run whose connection lingers, a partitioned process) whose open transaction would hold locks on the rows
 * the new writer writes again. A session of a newer owner epoch is terminated only after `verifyOwner` confirmed this
 * process still owns the store: else this process is the zombie, and it stops. Best effort otherwise: without the
 * privilege to signal a session, the server ends it when its client is gone.
 */
export async function fenceOlderSessions(client: Client, fence: SessionFence, log: Logger): Promise<void> {
  const { gids, subtask, ownerEpoch } = fence;
  const base = gids.writerApplicationName(subtask);
  let sessions: { pid: number; epoch: number }[];
  try {
    const result = await client.query<{ pid: number; application_name: string }>(
      `SELECT pid, application_name FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND starts_with(application_name, $1)`,
      [base],
    );
    sessions = result.rows.flatMap((row) => {
      const epoch = gids.sessionEpoch(subtask, row.application_name);
      return epoch === undefined ? [] : [{ pid: row.pid, epoch }];
    });
  } catch (error) {
    log.warn({ err: error }, 'cannot list older postgres sessions of this sink subtask; their open transactions end when their clients are gone');
    return;
  }
  if (sessions.length === 0) return;
  if (sessions.some((session) => session.epoch > ownerEpoch)) await fence.verifyOwner();
  try {
    const pids = sessions.map((session) => session.pid);
    await client.query('SELECT pg_terminate_backend(pid, 5000) FROM unnest($1::int[]) AS pid', [pids]);
    log.info({ sessions: pids, ownerEpoch }, 'terminated older postgres sessions of this sink subtask');
  } catch (error) {
    log.warn({ err: error }, 'cannot terminate older postgres sessions of this sink subtask; their open transactions end when their clients are gone');
  }
}
