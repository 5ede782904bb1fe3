import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { testServices } from '../env';
import { useTempDir, usePostgresClient } from '../support/chaos-fixtures';
import { eventually } from '../support/eventually';
import { useDatabaseSwitch } from './database-switch';
import { useServices, waitForStatus, type ServiceUnderTest } from './service-process';

const services = testServices();
const { url } = services.postgres;
const RECORDS = 5_000;

/**
 * A shutdown that cannot finish (the database hangs during the stop's savepoint) ends at `--shutdown-deadline`, or at
 * a second SIGTERM, with exit code 1 — and loses nothing: the next start recovers from the checkpoints and every seq
 * lands in the table once.
 */
describe('lockstep serve: a forced shutdown loses nothing', () => {
  // declared first: jest runs afterEach hooks in declaration order, so the services stop before their folders go
  const startService = useServices();
  const switchedDatabase = useDatabaseSwitch(url);
  const tempDir = useTempDir('lockstep-serve-shutdown-');
  const pg = usePostgresClient(url);

  it.each([
    ['the shutdown deadline', 'deadline'],
    ['a second SIGTERM', 'signal'],
  ])('exits 1 at %s while the database hangs; the next start completes every seq once', async (_what, how) => {
    const dir = tempDir();
    const stateDir = join(dir, 'state');
    await mkdir(stateDir);
    const run = randomUUID().slice(0, 8);
    const name = `serve-shutdown-${run}`;
    const table = `serve_shutdown_${run}`;
    await pg().query(`CREATE TABLE ${table} (seq integer NOT NULL)`);
    const { database, url: proxied } = await switchedDatabase();
    const start = (): Promise<ServiceUnderTest> => startService({ stateDir, extraArgs: ['--shutdown-deadline', how === 'deadline' ? '3' : '600'] });

    let service = await start();
    expect(
      (
        await service.call('POST', '/pipelines', {
          name,
          guarantee: 'exactly-once',
          checkpoint: { interval: '200ms', storage: join(dir, 'checkpoints') },
          sources: [{ id: 'gen', type: 'generator', count: RECORDS, ratePerSecond: 500 }],
          // no unique key: a duplicate would show in the count
          sinks: [{ id: 'db', type: 'postgres', url: proxied, table }],
        })
      ).status,
    ).toBe(201);
    const count = async (): Promise<number> => Number((await pg().query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);
    expect(await eventually(count, (n) => n > 0, 60_000)).toBeGreaterThan(0);

    database.freeze();
    const stopping = Date.now();
    service.process.child.kill('SIGTERM');
    if (how === 'signal') {
      await sleep(1_000);
      service.process.child.kill('SIGTERM');
    }
    expect(await service.process.exited).toBe(1);
    process.stdout.write(`lockstep serve forced shutdown (${how}): exited 1 after ${Date.now() - stopping} ms with the database hanging\n`);

    await database.stop();
    await database.start();
    service = await start();
    const finished = await waitForStatus(service, name, (status) => status.state === 'FINISHED' || status.state === 'FAILED', 120_000);
    expect(finished.state).toBe('FINISHED');
    const rows = await pg().query<{ n: string; seqs: string; low: number; high: number }>(
      `SELECT count(*) AS n, count(DISTINCT seq) AS seqs, min(seq) AS low, max(seq) AS high FROM ${table}`,
    );
    expect(rows.rows[0]).toEqual({ n: String(RECORDS), seqs: String(RECORDS), low: 0, high: RECORDS - 1 });
    expect((await pg().query(`SELECT gid FROM pg_prepared_xacts WHERE gid LIKE $1`, [`lockstep:${name}:%`])).rows).toEqual([]);
  }, 300_000);
});
