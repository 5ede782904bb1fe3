import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import type { SeededRandom } from '../../core/testing/seeded-random';

export interface SnapshotChurnOptions {
  /** Rows at the start: even ids 2 … 2 × rows. */
  readonly rows: number;
  readonly random: SeededRandom;
  /** Pause between transactions. */
  readonly pauseMs: number;
  /** Every 5th transaction also updates a row just below its odd id (a key the snapshot may or may not have passed). */
  readonly nearbyUpdates?: boolean;
}

/**
 * Concurrent writes while a table of `(id int PRIMARY KEY, v text, n int)` holding even ids is snapshotted: each
 * transaction inserts an id above every id at the start (the last chunk's range) and an odd id inside the range (each
 * used once), updates an existing row, and every 3rd one deletes a row.
 */
export class SnapshotChurn {
  /** Write transactions committed so far. */
  transactions = 0;
  private writing = true;
  private readonly writes: Promise<void>;

  private constructor(
    private readonly writer: Client,
    table: string,
    options: SnapshotChurnOptions,
  ) {
    this.writes = this.write(table, options);
  }

  static async start(url: string, table: string, options: SnapshotChurnOptions): Promise<SnapshotChurn> {
    const writer = new Client({ connectionString: url });
    await writer.connect();
    return new SnapshotChurn(writer, table, options);
  }

  /** Stops writing and waits for the last transaction; throws what a write threw. */
  async stop(): Promise<void> {
    this.writing = false;
    await this.writes;
  }

  /** Stops writing (ignoring a failed write) and closes the connection. */
  async close(): Promise<void> {
    this.writing = false;
    await this.writes.catch(() => undefined);
    await this.writer.end();
  }

  private async write(table: string, { rows, random, pauseMs, nearbyUpdates }: SnapshotChurnOptions): Promise<void> {
    let nextId = 2 * rows + 1;
    const oddIds = new Set<number>();
    const anyEven = (): number => 2 * (1 + Math.floor(random.next() * rows));
    while (this.writing) {
      const existing = anyEven();
      let odd = 2 * Math.floor(random.next() * rows) + 1;
      while (oddIds.has(odd)) odd += 2;
      oddIds.add(odd);
      const statements = [
        `INSERT INTO ${table} VALUES (${nextId}, 'new', 0), (${odd}, 'mid', 0)`,
        `UPDATE ${table} SET n = n + 1, v = 'upd' WHERE id = ${existing}`,
        this.transactions % 3 === 0 ? `DELETE FROM ${table} WHERE id = ${anyEven()}` : '',
        nearbyUpdates === true && this.transactions % 5 === 0 ? `UPDATE ${table} SET n = n + 1 WHERE id = ${odd - 2 * Math.floor(random.next() * 50)}` : '',
      ];
      await this.writer.query(`BEGIN; ${statements.filter((statement) => statement !== '').join('; ')}; COMMIT`);
      nextId += 1;
      this.transactions += 1;
      await sleep(pauseMs);
    }
  }
}
