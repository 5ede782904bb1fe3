import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import { testServices } from '../env';
import { buildCli, runBuiltCli } from '../support/built-cli';
import { adminClient, preparedGids, rollbackAll, uniqueTable } from './postgres-sink-fixtures';

/**
 * `lockstep verify` on an exactly-once Postgres sink, run as the built CLI against the real server: after a pipeline
 * ran to its end it counts the table's rows (the same number a `SELECT count(*)` of an independent pg client gives),
 * finds no duplicate and no leftover (exit 0); a row inserted twice by another client is a duplicate by the columns
 * records fill (the table's bigserial id and now() default are left out of the default key), and a prepared
 * transaction named as the sink names its own is a leftover — both exit 1 naming them. `lockstep reset` rolls that
 * transaction back and deletes the sink's commit markers, keeps the rows, and says so; a run after it writes the input
 * again, which verify then counts as duplicates.
 */
const { url } = testServices().postgres;
const RECORDS = 3_000;

/** A pipeline `generator (RECORDS) → postgres` into a new table with a bigserial id and a now() column. */
async function pipelineInto(db: Client, dir: string): Promise<{ pipeline: string; table: string; file: string; gidPrefix: string }> {
  const pipeline = `pg-verify-${randomUUID().slice(0, 8)}`;
  const table = uniqueTable('verify');
  await db.query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, seq integer NOT NULL, written_at timestamptz NOT NULL DEFAULT now())`);
  const file = join(dir, `${pipeline}.yaml`);
  await writeFile(
    file,
    [
      `name: ${pipeline}`,
      `checkpoint: { interval: 200ms, storage: "${join(dir, pipeline)}" }`,
      'parallelism: 2',
      `sources: [{ id: gen, type: generator, count: ${RECORDS} }]`,
      `sinks: [{ id: out, type: postgres, url: "${url}", table: ${table}, batchSize: 100 }]`,
      '',
    ].join('\n'),
  );
  return { pipeline, table, file, gidPrefix: `lockstep:${pipeline}:out:` };
}

/** Leaves a transaction prepared under `gid` holding one row, from a client of its own (a crash between prepare and commit). */
async function prepareLeftover(table: string, gid: string): Promise<void> {
  const other = await adminClient();
  try {
    await other.query('BEGIN');
    await other.query(`INSERT INTO ${table} (seq) VALUES (-1)`);
    await other.query(`PREPARE TRANSACTION '${gid}'`);
  } finally {
    await other.end();
  }
}

async function countRows(db: Client, table: string): Promise<number> {
  return Number((await db.query<{ count: string }>(`SELECT count(*) FROM ${table}`)).rows[0]?.count);
}

describe('lockstep verify and reset with a postgres sink (built CLI)', () => {
  let dir: string;
  let bin: string;
  let db: Client;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-postgres-verify-'));
    bin = await buildCli(join(dir, 'build'));
    db = await adminClient();
  }, 180_000);
  afterAll(async () => {
    await db?.end();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts what the sink committed, then names a duplicate row and a prepared transaction of the sink', async () => {
    const { pipeline, table, file, gidPrefix } = await pipelineInto(db, dir);
    try {
      const ran = await runBuiltCli(bin, ['run', file], dir);
      expect(ran.err).toMatch(new RegExp(`${pipeline}: finished at checkpoint \\d+ · ${RECORDS} records read, ${RECORDS} written`));
      expect(ran.code).toBe(0);

      const finished = await runBuiltCli(bin, ['verify', file], dir);
      const counted = await countRows(db, table);
      expect(counted).toBe(RECORDS);
      expect(finished.out).toContain(`sink out (postgres): table ${table} on postgres://`);
      expect(finished.out).toContain(
        `  records: ${counted} committed\n` +
          '  duplicates by the columns without a default ("seq"): none\n' +
          '  leftovers: none\n' +
          `input: ${RECORDS} records generated\n`,
      );
      expect(finished.out).toMatch(/OK: every record once, nothing left over\n$/);
      expect(finished.code).toBe(0);

      // Another client writes one record's row again.
      await db.query(`INSERT INTO ${table} (seq) VALUES (41)`);
      const doubled = await runBuiltCli(bin, ['verify', file], dir);
      expect(doubled.code).toBe(1);
      expect(doubled.out).toContain(`  records: ${RECORDS + 1} committed\n  duplicates by the columns without a default ("seq"): 1\n`);
      expect(doubled.out).toMatch(new RegExp(`    \\[41\\] at ${table} ctid \\(\\d+,\\d+\\) and ${table} ctid \\(\\d+,\\d+\\)\\n`));
      expect(doubled.out).toContain(`NOT OK: sink out: 1 duplicates by the columns without a default ("seq"); sink out holds ${RECORDS + 1} records, the input has ${RECORDS}\n`);
      // By an explicit key column too.
      expect((await runBuiltCli(bin, ['verify', file, '--key', 'seq'], dir)).out).toContain('  duplicates by seq: 1\n    41 at ');
      await db.query(`DELETE FROM ${table} WHERE id = (SELECT max(id) FROM ${table})`);

      // A transaction prepared under the sink's gid and never committed: what a crash between prepare and commit leaves.
      const gid = `${gidPrefix}1:999:e7`;
      await prepareLeftover(table, gid);
      expect(await preparedGids(db, gidPrefix)).toEqual([gid]);
      const leftover = await runBuiltCli(bin, ['verify', file], dir);
      expect(leftover.code).toBe(1);
      expect(leftover.out).toContain(`  records: ${RECORDS} committed\n  duplicates by the columns without a default ("seq"): none\n  leftovers: 1 prepared transactions (${gid})\n`);
      expect(leftover.out).toContain(`NOT OK: sink out: left over: 1 prepared transactions (${gid})`);
    } finally {
      await rollbackAll(db, gidPrefix);
      await db.query(`DROP TABLE IF EXISTS ${table}`);
      await db.query('DELETE FROM lockstep_commits WHERE pipeline = $1', [pipeline]).catch(() => undefined);
    }
  }, 180_000);

  it('reset rolls back the prepared transactions of the sink and deletes its commit markers, keeps the rows; a run after it writes the input again', async () => {
    const { pipeline, table, file, gidPrefix } = await pipelineInto(db, dir);
    try {
      expect((await runBuiltCli(bin, ['run', file], dir)).code).toBe(0);
      const gid = `${gidPrefix}0:998:e3`;
      await prepareLeftover(table, gid);
      const markers = Number((await db.query<{ count: string }>('SELECT count(*) FROM lockstep_commits WHERE pipeline = $1', [pipeline])).rows[0]?.count);
      expect(markers).toBeGreaterThan(0);

      const reset = await runBuiltCli(bin, ['reset', file], dir);
      expect(reset.err).toBe('');
      expect(reset.code).toBe(0);
      expect(reset.out).toContain(
        'sink out (postgres):\n' +
          `  rolled back 1 prepared transactions (${gid})\n` +
          `  deleted ${markers} commit markers of this sink from public.lockstep_commits\n` +
          '  committed rows stay in the table\n',
      );
      expect(reset.out).toMatch(/\n {2}deleted checkpoints? [\d, ]+; the next run's checkpoints start at \d+\n/);
      expect(await preparedGids(db, gidPrefix)).toEqual([]);
      expect(await countRows(db, table)).toBe(RECORDS);
      const verified = await runBuiltCli(bin, ['verify', file], dir);
      expect(verified.out).toContain(`  records: ${RECORDS} committed\n  duplicates by the columns without a default ("seq"): none\n  leftovers: none\n`);
      expect(verified.code).toBe(0);

      const again = await runBuiltCli(bin, ['run', file], dir);
      expect(again.err).toMatch(new RegExp(`${pipeline}: finished at checkpoint \\d+ · ${RECORDS} records read, ${RECORDS} written`));
      expect(await countRows(db, table)).toBe(2 * RECORDS);
      const doubled = await runBuiltCli(bin, ['verify', file], dir);
      expect(doubled.code).toBe(1);
      expect(doubled.out).toContain(`  records: ${2 * RECORDS} committed\n  duplicates by the columns without a default ("seq"): ${RECORDS}\n`);
    } finally {
      await rollbackAll(db, gidPrefix);
      await db.query(`DROP TABLE IF EXISTS ${table}`);
      await db.query('DELETE FROM lockstep_commits WHERE pipeline = $1', [pipeline]).catch(() => undefined);
    }
  }, 180_000);

  it('counts an at-least-once upsert sink by its upsert key, and says when its table cannot be read', async () => {
    const pipeline = `pg-verify-upsert-${randomUUID().slice(0, 8)}`;
    const table = uniqueTable('verify_upsert');
    await db.query(`CREATE TABLE ${table} (seq integer PRIMARY KEY, note text NOT NULL DEFAULT 'x')`);
    const file = join(dir, `${pipeline}.yaml`);
    await writeFile(
      file,
      [
        `name: ${pipeline}`,
        `checkpoint: { interval: 200ms, storage: "${join(dir, pipeline)}" }`,
        `sources: [{ id: gen, type: generator, count: ${RECORDS} }]`,
        `sinks: [{ id: out, type: postgres, url: "${url}", table: ${table}, semantic: at-least-once, mode: upsert, key: [seq] }]`,
        '',
      ].join('\n'),
    );
    try {
      expect((await runBuiltCli(bin, ['run', file], dir)).code).toBe(0);
      const verified = await runBuiltCli(bin, ['verify', file], dir);
      expect(await countRows(db, table)).toBe(RECORDS);
      expect(verified.out).toContain(`  records: ${RECORDS} committed\n  duplicates by upsert key (seq): none\n  leftovers: none\n`);
      expect(verified.code).toBe(0);
      // The upsert key is unique in the table; by another column the rows repeat, and verify names one pair.
      const byNote = await runBuiltCli(bin, ['verify', file, '--key', 'note'], dir);
      expect(byNote.code).toBe(1);
      expect(byNote.out).toContain(`  duplicates by note: ${RECORDS - 1}\n    "x" at ${table} ctid (`);
      // A table that is gone: reported with the sink, exit 1.
      await db.query(`DROP TABLE ${table}`);
      const gone = await runBuiltCli(bin, ['verify', file], dir);
      expect(gone.code).toBe(1);
      expect(gone.out).toContain('  records: not counted: reading them back failed (below)\n');
      expect(gone.out).toMatch(new RegExp(`NOT OK: sink out: cannot be read back: cannot read back table ${table} on postgres://\\S+: relation "${table}" does not exist`));
    } finally {
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }, 180_000);
});
