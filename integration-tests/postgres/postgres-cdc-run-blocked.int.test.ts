import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { testServices } from '../env';
import { startLockstep } from '../support/lockstep-process';
import { eventually } from './postgres-cdc-fixtures';

/**
 * `lockstep run` whose postgres-cdc source cannot create its slot because a prepared transaction stays open: the log
 * names the prepared transaction's gid within seconds, SIGTERM stops the run (exit 0) while it waits, and no
 * CREATE_REPLICATION_SLOT is left waiting on the server.
 */
const { url } = testServices().postgres;

describe('lockstep run with a slot creation blocked by a prepared transaction', () => {
  it('logs the blocker, honours SIGTERM and leaves nothing waiting on the server', async () => {
    const run = randomUUID().replaceAll('-', '').slice(0, 12);
    const table = `cdc_blocked_${run}`;
    const gid = `lockstep_blocker_${run}`;
    const dir = await mkdtemp(join(tmpdir(), 'lockstep-cdc-blocked-'));
    const db = new Client({ connectionString: url });
    await db.connect();
    const waiting = async (): Promise<number> =>
      Number(
        (
          await db.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'CREATE_REPLICATION_SLOT%' AND query LIKE $1", [
            `%${table}%`,
          ])
        ).rows[0]?.n,
      );
    try {
      await db.query(`CREATE TABLE ${table} (id int PRIMARY KEY)`);
      await db.query(`BEGIN; INSERT INTO ${table} VALUES (1); PREPARE TRANSACTION '${gid}'`);
      const file = join(dir, 'pipeline.yaml');
      await writeFile(
        file,
        [
          `name: cdc-blocked-${run}`,
          `checkpoint: { interval: 500ms, timeout: 30s, storage: "${join(dir, 'checkpoints')}" }`,
          'sources:',
          `  - { id: cdc, type: postgres-cdc, url: "${url}", tables: [${table}], slot: ${table}, publication: ${table} }`,
          'sinks:',
          `  - { id: out, type: file, path: "${join(dir, 'out')}" }`,
          '',
        ].join('\n'),
      );
      const logFile = join(dir, 'run.log');
      const lockstep = startLockstep(['run', file], logFile);
      await eventually(async () => (await readFile(logFile, 'utf8').catch(() => '')).includes(`prepared transaction '${gid}'`), 'the log to name the blocker', 60_000);
      expect(await waiting()).toBe(1);
      lockstep.child.kill('SIGTERM');
      expect(await lockstep.exited).toBe(0);
      await eventually(async () => (await waiting()) === 0, 'no CREATE_REPLICATION_SLOT left waiting');
    } finally {
      await db.query(`ROLLBACK PREPARED '${gid}'`).catch(() => undefined);
      await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [table]).catch(() => undefined);
      await db.query(`DROP PUBLICATION IF EXISTS ${table}`).catch(() => undefined);
      await db.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      await db.end();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
