import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testServices } from '../env';
import { committedSeqs } from '../support/committed-part-files';
import { startLockstep } from '../support/lockstep-process';
import { PostgresTableTestBed } from './postgres-table-fixtures';

/**
 * A whole pipeline through the CLI: a bounded Postgres table source split over 3 subtasks → the exactly-once file
 * sink. Every row must be in the committed files exactly once, also when the run is killed mid-way and started again
 * from its checkpoints.
 */
const { url } = testServices().postgres;
const ROWS = 20_000;
const expected = Array.from({ length: ROWS }, (_, n) => n + 1);
const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b);

describe('postgres table → file (lockstep run)', () => {
  let dir: string;
  let bed: PostgresTableTestBed;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-pg-table-pipeline-'));
    bed = await new PostgresTableTestBed(url).connect();
  });
  afterEach(async () => {
    await bed.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function pipeline(table: string, out: string, fetchSize: number): Promise<string> {
    const file = join(dir, 'pipeline.yaml');
    await writeFile(
      file,
      [
        `name: pg-to-files-${table}`,
        `checkpoint: { interval: 100ms, timeout: 30s, storage: "${join(dir, 'chk')}" }`,
        'parallelism: 3',
        `sources: [{ id: pg, type: postgres, url: "${url}", table: ${table}, fetchSize: ${fetchSize} }]`,
        `sinks: [{ id: files, type: file, path: "${out}" }]`,
        '',
      ].join('\n'),
    );
    return file;
  }

  it('writes every row to the committed files exactly once', async () => {
    const table = await bed.createTable('pipe', 'seq int PRIMARY KEY, payload text NOT NULL');
    await bed.sql(`INSERT INTO ${table} SELECT n, repeat('x', n % 50) FROM generate_series(1, ${ROWS}) n`);
    const out = join(dir, 'out');
    const file = await pipeline(table, out, 500);
    expect(await startLockstep(['run', file], join(dir, 'run.log')).exited).toBe(0);
    expect(sorted(await committedSeqs(out))).toEqual(expected);
  }, 120_000);

  it('killed mid-way and run again, still writes every row exactly once', async () => {
    const table = await bed.createTable('pipekill', 'seq int PRIMARY KEY, payload text NOT NULL');
    await bed.sql(`INSERT INTO ${table} SELECT n, md5(n::text) FROM generate_series(1, ${ROWS}) n`);
    const out = join(dir, 'out');
    // small pages and a slow-ish read, so the kill lands after some checkpoints but before the end
    const file = await pipeline(table, out, 20);
    const first = startLockstep(['run', file], join(dir, 'run-1.log'));
    const deadline = Date.now() + 60_000;
    while ((await committedSeqs(out).catch(() => [])).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const partial = await committedSeqs(out);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(ROWS);
    expect(await startLockstep(['run', file], join(dir, 'run-2.log')).exited).toBe(0);
    expect(sorted(await committedSeqs(out))).toEqual(expected);
  }, 120_000);
});
