import type { Client } from 'pg';
import { LockstepError, pollUntil } from '../../../core/sdk';
import type { PostgresGids } from './postgres-gids';
import { listPrepared } from './prepared-transactions';

/**
 * Waits, before a DELETE, until no transaction this subtask prepared is still waiting for its `COMMIT PREPARED`.
 *
 * A row **inserted** by a prepared transaction is invisible to every other transaction until it is committed, and a
 * DELETE does not wait for it (it waits only for rows it can see that another transaction locked): so a delete of a
 * key that the previous checkpoint's transaction inserted, run before the committer committed that checkpoint, would
 * find nothing and the row would come back with the commit. Upserts are safe (INSERT … ON CONFLICT waits for the
 * inserting transaction), and so are UPDATE-then-DELETE orders (the delete waits for the row lock). Change events
 * delete rows, so before the first delete after a prepare the writer waits until its prepared transactions are
 * committed (or rolled back): normally the time the checkpoint takes to complete. Like a row lock, it waits at most
 * `lockTimeout`, then fails retriably (`LS_POSTGRES_55P03`): a checkpoint that timed out, or whose commit answered
 * retry-later, is committed only by a later checkpoint, which cannot complete while the write waits.
 */
export class OwnPreparedTransactions {
  /** Unknown at start (a recovery may leave one pending), and after every prepare. */
  private pending = true;

  constructor(
    private readonly gids: PostgresGids,
    private readonly subtask: number,
    private readonly timeoutMs: number,
  ) {}

  /** A transaction was prepared: the next delete waits for it. */
  prepared(): void {
    this.pending = true;
  }

  /** Returns once no transaction of this subtask is prepared, polling `pg_prepared_xacts` (core/sdk `pollUntil`). */
  async settle(client: Client): Promise<void> {
    if (!this.pending) return;
    let waiting: readonly { gid: string }[] = [];
    const settled = await pollUntil(
      async () => {
        waiting = (await listPrepared(client, this.gids)).filter((entry) => entry.subtask === this.subtask);
        return waiting.length === 0 ? true : undefined;
      },
      { initialDelayMs: 5, maxDelayMs: 100, jitter: 0, deadlineMs: this.timeoutMs },
    );
    if (settled === undefined) {
      throw new LockstepError(
        `a delete waited ${this.timeoutMs} ms (lockTimeout) for this sink's prepared transaction(s) ${waiting.map((entry) => entry.gid).join(', ')} ` +
          'to be committed: rows they inserted are invisible to the delete until then; failing over so that recovery settles them',
        { code: 'LS_POSTGRES_55P03', retriable: true },
      );
    }
    this.pending = false;
  }
}
