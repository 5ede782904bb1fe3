import type { Client } from 'pg';
import type { CommitOutcome, CommitRequest, Committer, InitContext } from '../../../core/sdk';
import { connectPostgres, type PostgresConnectionOptions } from '../connection';
import { isRetriablePostgresError, sqlState } from '../errors';
import { quoteLiteral } from '../sql';
import { MARKER_TABLE, type CommitMarkers } from './commit-markers';
import type { PostgresGids } from './postgres-gids';
import type { PostgresCommittable } from './postgres-sink-serializers';

/**
 * Commits prepared transactions with `COMMIT PREPARED '<gid>'` from its own connection (outside any transaction
 * block), so a transaction prepared by a process that died is committed by the next one. A gid Postgres no longer
 * knows (42704) was finished before: its marker row in `lockstep_commits` says committed (`already-committed`);
 * without it the transaction was rolled back and its rows are lost (`failed-known`, logged as possible data loss with
 * the gid), never assumed committed.
 *
 * After each batch it deletes this sink's markers of checkpoints older than the oldest one asked for: those were
 * settled before the latest completed checkpoint, so no recovery asks for them again.
 */
export class PostgresCommitter implements Committer<PostgresCommittable> {
  private client: Client | undefined;

  constructor(
    private readonly options: PostgresConnectionOptions,
    private readonly gids: PostgresGids,
    private readonly markers: CommitMarkers,
    private readonly init: InitContext,
  ) {}

  async commit(requests: readonly CommitRequest<PostgresCommittable>[]): Promise<CommitOutcome[]> {
    const outcomes: CommitOutcome[] = [];
    for (const request of requests) outcomes.push(await this.commitOne(request.committable.gid));
    await this.deleteSettledMarkers(requests);
    return outcomes;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connected(): Promise<Client> {
    this.client ??= await connectPostgres(this.options, this.init.log, this.gids.committerApplicationName());
    return this.client;
  }

  private async commitOne(gid: string): Promise<CommitOutcome> {
    try {
      const client = await this.connected();
      try {
        await client.query(`COMMIT PREPARED ${quoteLiteral(gid)}`);
        this.init.log.debug({ gid }, 'postgres transaction committed');
        return { kind: 'committed' };
      } catch (error) {
        if (sqlState(error) !== '42704') throw error;
      }
      if (await this.markers.has(client, gid)) return { kind: 'already-committed' };
      return {
        kind: 'failed-known',
        reason:
          `prepared transaction ${gid} no longer exists and its marker row in ${this.markers.schema}.${MARKER_TABLE} is absent: ` +
          'it was rolled back (by hand, or by a restart that did not restore its checkpoint) and its rows are lost',
      };
    } catch (error) {
      const reason = `commit of prepared transaction ${gid}: ${(error as Error).message}`;
      if (isRetriablePostgresError(error)) {
        await this.close();
        return { kind: 'retry-later', reason };
      }
      return { kind: 'failed-unknown', reason, cause: error };
    }
  }

  private async deleteSettledMarkers(requests: readonly CommitRequest<PostgresCommittable>[]): Promise<void> {
    // The checkpoint ids come from the gids themselves, which the markers are keyed by.
    const checkpoints = requests.flatMap((request) => this.gids.parse(request.committable.gid)?.checkpointId ?? []);
    if (checkpoints.length === 0 || this.client === undefined) return;
    try {
      const deleted = await this.markers.deleteBefore(this.client, Math.min(...checkpoints));
      if (deleted > 0) this.init.log.debug({ deleted }, 'deleted settled commit markers');
    } catch (error) {
      this.init.log.warn({ err: error }, 'cannot delete settled commit markers; the next commit tries again');
    }
  }
}
