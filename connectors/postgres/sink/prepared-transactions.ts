import type { Client } from 'pg';
import type { Logger } from 'pino';
import { LockstepError } from '../../../core/sdk';
import { sqlState } from '../errors';
import { quoteLiteral } from '../sql';
import type { PostgresGids } from './postgres-gids';

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

/** This sink's prepared transactions in the connected database, with their subtask and checkpoint id. */
export async function listPrepared(client: Client, gids: PostgresGids): Promise<{ gid: string; subtask: number; checkpointId: number }[]> {
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

/**
 * Terminates other sessions with this writer's application_name: a zombie writer of the same subtask (a crashed run
 * whose connection lingers, a partitioned process) whose open transaction would hold locks on the rows the new writer
 * writes again. Best effort: without the privilege to signal it, the server ends it when its client is gone.
 */
export async function fenceOlderSessions(client: Client, applicationName: string, log: Logger): Promise<void> {
  try {
    const result = await client.query<{ pid: number }>(
      `SELECT pid, pg_terminate_backend(pid, 5000) FROM pg_stat_activity
        WHERE application_name = $1 AND datname = current_database() AND pid <> pg_backend_pid()`,
      [applicationName],
    );
    if ((result.rowCount ?? 0) > 0) log.info({ sessions: result.rows.map((row) => row.pid) }, 'terminated older postgres sessions of this sink subtask');
  } catch (error) {
    log.warn({ err: error }, 'cannot terminate older postgres sessions of this sink subtask; their open transactions end when their clients are gone');
  }
}
