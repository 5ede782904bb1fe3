import type { Client } from 'pg';
import { postgresError } from '../errors';
import { quoteIdentifier } from '../sql';

/** Name of the marker table, in the configured schema. */
export const MARKER_TABLE = 'lockstep_commits';

/** Serializes the creation of the marker table across writers (CREATE … IF NOT EXISTS races on the catalog). */
const CREATE_LOCK = 0x6c6f636b; // 'lock'

/**
 * The `lockstep_commits` table: every prepared transaction inserts one row naming its gid, so once the transaction
 * is gone from `pg_prepared_xacts` the row tells a committed transaction (row visible) from one rolled back (no
 * row). Rows are deleted by the committer once no checkpoint can ask for their commit again.
 */
export class CommitMarkers {
  readonly table: string;

  constructor(
    readonly schema: string,
    private readonly pipeline: string,
    private readonly sink: string,
  ) {
    this.table = `${quoteIdentifier(schema)}.${quoteIdentifier(MARKER_TABLE)}`;
  }

  /** Creates the table and its index when absent (autocommit; needs CREATE on the schema only the first time). */
  async ensure(client: Client): Promise<void> {
    try {
      if (await this.exists(client)) return;
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [CREATE_LOCK]);
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${this.table} (gid text PRIMARY KEY, pipeline text NOT NULL, sink text NOT NULL, ` +
            'subtask integer NOT NULL, checkpoint_id bigint NOT NULL, committed_at timestamptz NOT NULL DEFAULT clock_timestamp())',
        );
        await client.query(`CREATE INDEX IF NOT EXISTS lockstep_commits_pipeline_sink ON ${this.table} (pipeline, sink, checkpoint_id)`);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } catch (error) {
      throw postgresError(error, `cannot create the marker table ${this.schema}.${MARKER_TABLE}`);
    }
  }

  /** Inserts the marker of `gid` in the open transaction (it becomes visible when the transaction commits). */
  async insert(client: Client, gid: string, subtask: number, checkpointId: number): Promise<void> {
    await client.query(`INSERT INTO ${this.table} (gid, pipeline, sink, subtask, checkpoint_id) VALUES ($1, $2, $3, $4, $5)`, [
      gid,
      this.pipeline,
      this.sink,
      subtask,
      checkpointId,
    ]);
  }

  async has(client: Client, gid: string): Promise<boolean> {
    const result = await client.query(`SELECT 1 FROM ${this.table} WHERE gid = $1`, [gid]);
    return (result.rowCount ?? 0) > 0;
  }

  /**
   * Deletes this sink's markers of checkpoints before `checkpointId`. Safe when `checkpointId` is the oldest
   * checkpoint among the committables of the latest completed checkpoint: everything older was settled before it, and
   * no later checkpoint lists it again.
   */
  async deleteBefore(client: Client, checkpointId: number): Promise<number> {
    const result = await client.query(`DELETE FROM ${this.table} WHERE pipeline = $1 AND sink = $2 AND checkpoint_id < $3`, [
      this.pipeline,
      this.sink,
      checkpointId,
    ]);
    return result.rowCount ?? 0;
  }

  /** This sink's markers (all subtasks): how many, oldest and newest checkpoint; undefined when there are none. */
  async summary(client: Client): Promise<{ count: number; oldest: number; newest: number } | undefined> {
    if (!(await this.exists(client))) return undefined;
    const result = await client.query<{ count: number; oldest: string | null; newest: string | null }>(
      `SELECT count(*)::int AS count, min(checkpoint_id)::text AS oldest, max(checkpoint_id)::text AS newest FROM ${this.table} WHERE pipeline = $1 AND sink = $2`,
      [this.pipeline, this.sink],
    );
    const row = result.rows[0];
    if (row === undefined || row.count === 0) return undefined;
    return { count: row.count, oldest: Number(row.oldest), newest: Number(row.newest) };
  }

  /** Deletes every marker of this sink (all subtasks), for a reset; 0 when the table does not exist. */
  async deleteAll(client: Client): Promise<number> {
    if (!(await this.exists(client))) return 0;
    const result = await client.query(`DELETE FROM ${this.table} WHERE pipeline = $1 AND sink = $2`, [this.pipeline, this.sink]);
    return result.rowCount ?? 0;
  }

  private async exists(client: Client): Promise<boolean> {
    const found = await client.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [this.table]);
    return found.rows[0]?.found != null;
  }

  /**
   * Deletes a subtask's markers of checkpoints after `checkpointId` (all with undefined): left by an earlier life of
   * the pipeline started afresh, whose checkpoint ids come again.
   */
  async deleteAfter(client: Client, subtask: number, checkpointId: number | undefined): Promise<number> {
    const result = await client.query(`DELETE FROM ${this.table} WHERE pipeline = $1 AND sink = $2 AND subtask = $3 AND checkpoint_id > $4`, [
      this.pipeline,
      this.sink,
      subtask,
      checkpointId ?? -1,
    ]);
    return result.rowCount ?? 0;
  }
}
