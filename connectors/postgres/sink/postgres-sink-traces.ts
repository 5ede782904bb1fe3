import type { Client } from 'pg';
import type { InitContext, SinkTrace } from '../../../core/sdk';
import { connectPostgres, type PostgresConnectionOptions } from '../connection';
import { postgresError } from '../errors';
import type { CommitMarkers } from './commit-markers';
import type { PostgresGids } from './postgres-gids';
import { listPrepared, rollbackPrepared } from './prepared-transactions';

/** `checkpoints 4–40`, or `checkpoint 4`. */
function checkpointRange(oldest: number, newest: number): string {
  return oldest === newest ? `checkpoint ${newest}` : `checkpoints ${oldest}–${newest}`;
}

/** A few gids, then how many more. */
function someGids(gids: readonly string[]): string {
  const shown = gids.slice(0, 3).join(', ');
  return gids.length > 3 ? `${shown} and ${gids.length - 3} more` : shown;
}

/**
 * The exactly-once postgres sink's traces of its pipeline (the `SupportsTraceInspection` ability): commit markers in
 * `lockstep_commits` (committed with the data, named by checkpoint; the committer keeps at least those of the newest
 * committed checkpoint) and prepared transactions with this sink's gid prefix. Each call uses a connection of its own.
 */
export class PostgresSinkTraces {
  constructor(
    private readonly connection: PostgresConnectionOptions,
    private readonly gids: PostgresGids,
    private readonly markers: CommitMarkers,
  ) {}

  async find(context: InitContext): Promise<SinkTrace[]> {
    return this.withClient(context, 'cannot look for traces of this pipeline in the postgres sink', async (client) => {
      const traces: SinkTrace[] = [];
      const markers = await this.markers.summary(client);
      if (markers !== undefined) {
        const description = `${markers.count} commit markers of ${checkpointRange(markers.oldest, markers.newest)} in ${this.markers.schema}.lockstep_commits`;
        traces.push({ state: 'committed', description, checkpointId: markers.newest });
      }
      const prepared = await listPrepared(client, this.gids);
      if (prepared.length > 0) {
        const description = `${prepared.length} prepared transactions (${someGids(prepared.map((entry) => entry.gid))})`;
        traces.push({ state: 'uncommitted', description, checkpointId: Math.max(...prepared.map((entry) => entry.checkpointId)) });
      }
      return traces;
    });
  }

  /** Rolls back every prepared transaction of this sink (all subtasks) and deletes its commit markers. */
  async clear(context: InitContext): Promise<string[]> {
    return this.withClient(context, 'cannot clean the traces of this pipeline in the postgres sink', async (client) => {
      const prepared = await listPrepared(client, this.gids);
      for (const entry of prepared) await rollbackPrepared(client, entry.gid);
      const deleted = await this.markers.deleteAll(client);
      return [
        prepared.length === 0 ? 'no prepared transaction to roll back' : `rolled back ${prepared.length} prepared transactions (${someGids(prepared.map((entry) => entry.gid))})`,
        `deleted ${deleted} commit markers of this sink from ${this.markers.schema}.lockstep_commits`,
        'committed rows stay in the table',
      ];
    });
  }

  private async withClient<T>(context: InitContext, what: string, use: (client: Client) => Promise<T>): Promise<T> {
    let client: Client | undefined;
    try {
      client = await connectPostgres(this.connection, context.log, this.gids.committerApplicationName());
      return await use(client);
    } catch (error) {
      throw postgresError(error, what);
    } finally {
      await client?.end().catch(() => undefined);
    }
  }
}
