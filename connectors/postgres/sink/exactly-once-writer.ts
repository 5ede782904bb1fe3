import type { CommittingSinkWriter, LockstepRecord, SinkWriterInitContext } from '../../../core/sdk';
import type { PostgresConnectionOptions } from '../connection';
import { postgresError } from '../errors';
import { quoteLiteral } from '../sql';
import type { CommitMarkers } from './commit-markers';
import type { PostgresGids } from './postgres-gids';
import type { ResolvedSinkConfig } from './postgres-sink-config';
import type { PostgresCommittable } from './postgres-sink-serializers';
import { OwnPreparedTransactions } from './own-prepared';
import { checkPreparedTransactions, fenceOlderSessions, listPrepared, rollbackPrepared } from './prepared-transactions';
import { TableSession } from './table-session';

/** What the exactly-once writer needs besides the sink's config. */
export interface ExactlyOncePostgresWriterOptions {
  readonly connection: PostgresConnectionOptions;
  readonly config: ResolvedSinkConfig;
  readonly gids: PostgresGids;
  readonly markers: CommitMarkers;
}

/**
 * One transaction per checkpoint and subtask, begun by the checkpoint's first record. At the barrier
 * (`prepareCommit(n)`) it inserts its marker row into `lockstep_commits` and runs `PREPARE TRANSACTION` with the gid
 * `lockstep:<pipeline>:<sink>:<subtask>:<n>:e<ownerEpoch>`, which becomes the committable; the committer commits it with
 * `COMMIT PREPARED` once checkpoint n completed. A checkpoint without records has no transaction and no committable.
 *
 * Recovery (`init()`): the restored checkpoint's committables were committed by the committer before this writer
 * exists; every prepared gid of this subtask that is not among the commits still pending (`pendingCommittables`:
 * those that answered retry-later) is a leftover of the crashed run and is rolled back — all of them on a fresh
 * start — and so are those of subtasks beyond the current parallelism (by writer 0). Gids of other pipelines, sinks
 * and subtasks are never touched. Sessions of this subtask of older owner epochs are terminated first (fencing); before
 * touching a newer epoch's session or transaction, the writer checks it still owns the pipeline's checkpoint store
 * (a paused zombie that woke up stops there with `LS_CHECKPOINT_FENCED` instead of undoing the newer owner's work).
 */
export class ExactlyOncePostgresWriter implements CommittingSinkWriter<PostgresCommittable> {
  private readonly session: TableSession;
  /** Deletes wait for this subtask's prepared transactions to be committed (rows they inserted are invisible till then). */
  private readonly ownPrepared: OwnPreparedTransactions;

  constructor(
    private readonly options: ExactlyOncePostgresWriterOptions,
    private readonly context: SinkWriterInitContext<PostgresCommittable>,
  ) {
    this.ownPrepared = new OwnPreparedTransactions(options.gids, context.subtask, options.config.lockTimeoutMs);
    this.session = new TableSession(options.connection, options.config, context.log, (client) => this.ownPrepared.settle(client));
  }

  async init(): Promise<void> {
    const { gids, markers } = this.options;
    const { subtask, ownerEpoch, verifyOwner, log } = this.context;
    const client = await this.session.connect(gids.writerSessionName(subtask, ownerEpoch));
    try {
      await checkPreparedTransactions(client);
      await fenceOlderSessions(client, { gids, subtask, ownerEpoch, verifyOwner }, log);
      await markers.ensure(client);
      await this.rollbackLeftovers();
      await markers.deleteAfter(client, this.context.subtask, this.context.restoredCheckpointId);
    } catch (error) {
      throw postgresError(error, 'cannot recover the postgres sink writer');
    }
    await this.session.loadTable();
  }

  write(records: readonly LockstepRecord[]): Promise<void> {
    return this.session.write(records);
  }

  /** Records go to the server as they are written; nothing is buffered. */
  async flush(): Promise<void> {}

  async prepareCommit(checkpointId: number): Promise<PostgresCommittable[]> {
    const { subtask, ownerEpoch } = this.context;
    const gid = this.options.gids.gid(subtask, checkpointId, ownerEpoch);
    const prepared = await this.session.finish(`prepare transaction ${gid}`, async (client) => {
      await this.options.markers.insert(client, gid, subtask, checkpointId);
      await client.query(`PREPARE TRANSACTION ${quoteLiteral(gid)}`);
    });
    if (!prepared) return [];
    this.ownPrepared.prepared();
    this.context.log.debug({ gid, checkpointId }, 'postgres transaction prepared');
    return [{ gid }];
  }

  close(): Promise<void> {
    return this.session.close();
  }

  /**
   * Rolls back this subtask's prepared transactions that no pending commit covers and, in writer 0, those of subtasks
   * beyond the parallelism. Recovery committed the restored checkpoint's committables before this writer exists;
   * what is still prepared is either one of them whose commit answered retry-later (pending: the committer's) or a
   * leftover of a crashed run or a zombie that prepared late — also one of an older checkpoint.
   */
  private async rollbackLeftovers(): Promise<void> {
    const { subtask, parallelism, restoredCheckpointId, pendingCommittables, ownerEpoch, verifyOwner, log } = this.context;
    const pending = new Set(pendingCommittables.map((committable) => committable.gid));
    const leftovers = (await listPrepared(this.session.client, this.options.gids)).filter(
      (entry) => !pending.has(entry.gid) && (entry.subtask === subtask || (subtask === 0 && entry.subtask >= parallelism)),
    );
    // Prepared by a newer owner: this process may be a zombie that must not undo them (verifyOwner throws then); if
    // it does own the store, they are leftovers of a run whose store was replaced, and go like the others.
    if (leftovers.some((entry) => entry.epoch > ownerEpoch)) await verifyOwner();
    for (const entry of leftovers) await rollbackPrepared(this.session.client, entry.gid);
    if (leftovers.length > 0) {
      log.info({ gids: leftovers.map((entry) => entry.gid), restoredCheckpointId }, 'rolled back postgres transactions no pending commit covers');
    }
  }
}
