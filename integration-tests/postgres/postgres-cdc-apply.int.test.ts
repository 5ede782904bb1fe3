import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { SeededRandom } from '../../core/testing/seeded-random';
import { testServices } from '../env';
import { usePostgresClient, useTempDir } from '../support/chaos-fixtures';
import { describeCrashTrial, expectKillsLanded, runCrashTrial } from '../support/crash-trial';
import { startLockstep } from '../support/lockstep-process';
import { uniqueTable } from './postgres-table-fixtures';

/**
 * Replication with the obvious config — a `postgres-cdc` source into a `postgres` sink with only `url` and `table` —
 * applies every change: inserts, updates (a key change, keys swapped in one transaction, a TOASTed value an update
 * leaves out), deletes, a delete and re-insert of one key in one transaction, two updates of one key in one
 * transaction, rows of awkward values. The oracle is Postgres' own text output of both tables (`whole::text`), which
 * must be equal; also after the process was SIGKILLed several times in the middle of a stream of changes.
 */
const { url } = testServices().postgres;

const COLUMNS = `id int PRIMARY KEY, f8 float8, raw bytea, doc jsonb, txt json, note text, ints int[], at timestamptz,
  big int8, exact numeric, long text`;

/** Awkward values (ids 1–6 in the snapshot, 21–26 through the stream as id + 20). */
function awkwardRows(offset: number): string[] {
  return [
    `(${1 + offset}, 'NaN', '\\x00ff10', '{"b": 1, "a": [1.50, null]}', '{"b":1,  "a":2}', 'tab\there "q" \\\\ back', '{1,NULL,3}', '2024-05-01 10:00:00.123456+00', 9007199254740993, 0.10000000000000000001, NULL)`,
    `(${2 + offset}, '-0', '', 'null', 'null', '', '{}', 'infinity', -9223372036854775808, 'NaN', '')`,
    `(${3 + offset}, 'Infinity', '\\x', '[]', '[]', 'ünïcødé ✓ 🎉', NULL, '0001-01-01 00:00:00+00 BC', 0, -0.0, NULL)`,
    `(${4 + offset}, '-Infinity', (SELECT decode(string_agg(lpad(to_hex(b), 2, '0'), ''), 'hex') FROM generate_series(0, 255) b), '{"\\u00e9": "é", "n": 1e400}', '{"dup": 1, "dup": 2}', 'AAEC', NULL, NULL, 1, 1e-310, NULL)`,
    `(${5 + offset}, 4.9e-324, 'AAEC', '{"a": 0.1}', '0.1', '\\x00', NULL, NULL, NULL, 123456789012345678901234567890.123456789, NULL)`,
    `(${6 + offset}, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
  ];
}

describe('postgres-cdc → postgres sink replication (lockstep run, the obvious config)', () => {
  const tempDir = useTempDir('lockstep-pg-apply-');
  const pg = usePostgresClient(url);
  const cleanup: string[] = [];

  afterEach(async () => {
    for (const statement of cleanup.splice(0).reverse()) await pg().query(statement).catch(() => undefined);
  });

  async function tables(columns: string): Promise<{ source: string; target: string }> {
    const source = uniqueTable('apply_src');
    const target = uniqueTable('apply_dst');
    await pg().query(`CREATE TABLE ${source} (${columns})`);
    await pg().query(`CREATE TABLE ${target} (${columns})`);
    cleanup.push(`DROP TABLE ${source}`, `DROP TABLE ${target}`);
    cleanup.push(`SELECT pg_drop_replication_slot('${source}')`, `DROP PUBLICATION IF EXISTS ${source}`);
    return { source, target };
  }

  /** The rows as Postgres prints them (`whole::text`), in id order: the server's own output is the oracle. */
  async function rowsAsText(table: string): Promise<string[]> {
    const result = await pg().query<{ id: number; row: string }>(`SELECT id, whole::text AS row FROM ${table} whole ORDER BY id`);
    return result.rows.map((row) => row.row);
  }

  async function equal(source: string, target: string): Promise<boolean> {
    return (await difference(source, target)) === undefined;
  }

  /** The first rows (up to 5) that differ, for a failure message; undefined when the tables print the same. */
  async function difference(source: string, target: string): Promise<string | undefined> {
    const [want, got] = [new Set(await rowsAsText(source)), new Set(await rowsAsText(target))];
    const missing = [...want].filter((row) => !got.has(row));
    const extra = [...got].filter((row) => !want.has(row));
    if (missing.length === 0 && extra.length === 0) return undefined;
    return `${missing.length} source rows not in the target (${missing.slice(0, 5).join(' ')}), ${extra.length} target rows not in the source (${extra.slice(0, 5).join(' ')})`;
  }

  /** The obvious config; `transforms` paces the stream for the crash trial. */
  async function pipelineFile(source: string, target: string, transforms: string[] = [], sinkOptions = ''): Promise<string> {
    const file = join(tempDir(), 'pipeline.yaml');
    await writeFile(
      file,
      [
        `name: pg-apply-${source.slice(-8)}`,
        `checkpoint: { interval: 200ms, storage: "${join(tempDir(), 'checkpoints')}" }`,
        `sources: [{ id: src, type: postgres-cdc, url: "${url}", tables: [${source}], slot: ${source}, publication: ${source} }]`,
        ...(transforms.length === 0 ? [] : ['transforms:', ...transforms]),
        `sinks: [{ id: dst, type: postgres, url: "${url}", table: ${target}${sinkOptions} }]`,
        '',
      ].join('\n'),
    );
    return file;
  }

  async function until(what: string, log: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what} not reached after 60 s; the run's log:\n${await readFile(log, 'utf8').catch(() => '')}`);
      await sleep(200);
    }
  }

  it('applies inserts, updates, key changes, deletes and re-inserts: the target prints as the source', async () => {
    const { source, target } = await tables(COLUMNS);
    // the snapshot: awkward rows 1–6, plain rows 7–19, a TOASTed value in row 11 (random text does not compress)
    await pg().query(`INSERT INTO ${source} VALUES ${awkwardRows(0).join(', ')}`);
    await pg().query(`INSERT INTO ${source} (id, note) SELECT g, 'row ' || g FROM generate_series(7, 19) g`);
    await pg().query(`UPDATE ${source} SET long = (SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 400)) WHERE id = 11`);
    const file = await pipelineFile(source, target);
    const log = join(tempDir(), 'run.log');
    const run = startLockstep(['run', file], log);
    try {
      await until('the snapshot in the target', log, () => equal(source, target));
      const changes = [
        `INSERT INTO ${source} VALUES ${awkwardRows(20).join(', ')}`,
        `UPDATE ${source} SET note = 'updated', f8 = 'NaN', raw = '\\xfeff' WHERE id = 1`,
        // key changes: one row, then several in one statement
        `UPDATE ${source} SET id = 1002 WHERE id = 2`,
        `UPDATE ${source} SET id = id + 2000 WHERE id BETWEEN 3 AND 5`,
        `DELETE FROM ${source} WHERE id = 6`,
        `DELETE FROM ${source} WHERE id IN (7, 8)`,
        // a delete and a re-insert of one key in one transaction
        `BEGIN; DELETE FROM ${source} WHERE id = 9; INSERT INTO ${source} (id, note) VALUES (9, 'again'); COMMIT`,
        // two updates of one key in one transaction, and short-lived rows
        `BEGIN; UPDATE ${source} SET note = 'first' WHERE id = 10; UPDATE ${source} SET note = 'second' WHERE id = 10; ` +
          `INSERT INTO ${source} (id) VALUES (31); UPDATE ${source} SET note = 'x' WHERE id = 31; DELETE FROM ${source} WHERE id = 31; ` +
          `INSERT INTO ${source} (id) VALUES (32); DELETE FROM ${source} WHERE id = 32; INSERT INTO ${source} (id, note) VALUES (32, 'back'); COMMIT`,
        // an update that leaves the TOASTed value out of the change event: the target keeps it
        `UPDATE ${source} SET note = 'toast kept' WHERE id = 11`,
        // two keys swapped in one transaction
        `BEGIN; UPDATE ${source} SET id = -12 WHERE id = 12; UPDATE ${source} SET id = 12 WHERE id = 13; UPDATE ${source} SET id = 13 WHERE id = -12; COMMIT`,
        // a key changed back and forth
        `BEGIN; UPDATE ${source} SET id = 114 WHERE id = 14; UPDATE ${source} SET id = 14, note = 'round trip' WHERE id = 114; COMMIT`,
      ];
      for (const statement of changes) await pg().query(statement);
      await until('every change in the target', log, () => equal(source, target));
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      const rows = await rowsAsText(source);
      expect(rows.length).toBe(23);
      expect(rows.some((row) => row.startsWith('(11,') && row.includes('toast kept') && row.length > 12_000)).toBe(true);
      expect(await rowsAsText(target)).toEqual(rows);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      await run.exited;
    }
  }, 120_000);

  it('refuses a truncate as a bad record naming it: the run fails, the target keeps its rows', async () => {
    const { source, target } = await tables('id int PRIMARY KEY, note text');
    await pg().query(`INSERT INTO ${source} VALUES (1, 'a'), (2, 'b')`);
    const file = await pipelineFile(source, target);
    const log = join(tempDir(), 'run.log');
    const run = startLockstep(['run', file], log);
    try {
      await until('the snapshot in the target', log, () => equal(source, target));
      await pg().query(`TRUNCATE ${source}`);
      expect(await run.exited).not.toBe(0);
      const output = await readFile(log, 'utf8');
      expect(output).toMatch(/a truncate of public\.apply_src_\w+ is refused: set truncate: apply/);
      expect(output).toContain('"code":"LS_POSTGRES_CHANGE"');
      expect((await rowsAsText(target)).length).toBe(2);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      await run.exited;
    }
  }, 120_000);

  it('with truncate: apply, a truncate empties the target in order with the changes around it', async () => {
    const { source, target } = await tables('id int PRIMARY KEY, note text');
    await pg().query(`INSERT INTO ${source} VALUES (1, 'a'), (2, 'b')`);
    const file = await pipelineFile(source, target, [], ', truncate: apply');
    const log = join(tempDir(), 'run.log');
    const run = startLockstep(['run', file], log);
    try {
      await until('the snapshot in the target', log, () => equal(source, target));
      await pg().query(`BEGIN; INSERT INTO ${source} VALUES (3, 'c'); TRUNCATE ${source}; INSERT INTO ${source} VALUES (4, 'after'); COMMIT`);
      await until('the truncate in the target', log, () => equal(source, target));
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(await rowsAsText(target)).toEqual(['(4,after)']);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      await run.exited;
    }
  }, 120_000);

  it('SIGKILLed in the middle of a stream of changes and restarted: the target prints as the source', async () => {
    const { source, target } = await tables('id int PRIMARY KEY, v text, n int, raw bytea');
    await pg().query(`INSERT INTO ${source} SELECT g, 'v' || g, g, decode(md5(g::text), 'hex') FROM generate_series(1, 500) g`);
    const random = new SeededRandom(7);
    // paced, so that the kills land while the pipeline is applying changes
    const file = await pipelineFile(source, target, ['  - { id: pace, type: throttle, recordsPerSecond: 1500 }']);
    const churn = new Churn(url, source, new SeededRandom(8), 501);
    const writes = churn.run();
    try {
      let lastDifference: string | undefined;
      const trial = await runCrashTrial({
        pipelineFile: file,
        logFile: join(tempDir(), 'runs.log'),
        random,
        randomKills: 3,
        killAfterMs: [3_000, 6_000],
        finishWithinMs: 120_000,
        complete: async () => {
          // the changes go on through every killed run, and stop once the last run started
          churn.stop();
          await writes;
          lastDifference = await difference(source, target);
          return lastDifference === undefined;
        },
      }).catch((error: Error) => {
        throw new Error(`${error.message}\nlast difference: ${lastDifference}`);
      });
      process.stdout.write(`postgres-cdc → postgres apply crash trial: ${churn.transactions} write transactions, ${describeCrashTrial(trial)}\n`);
      expectKillsLanded(trial, 3);
      expect(churn.transactions).toBeGreaterThan(100);
      expect(await rowsAsText(target)).toEqual(await rowsAsText(source));
    } finally {
      churn.stop();
      await writes.catch(() => undefined);
    }
  }, 600_000);
});

/**
 * Writes until stopped, in transactions of a few changes each: inserts, updates, deletes, key changes, and a delete
 * and re-insert of one key; ids are tracked so that every statement changes a row.
 */
class Churn {
  transactions = 0;
  private writing = true;

  constructor(
    private readonly url: string,
    private readonly table: string,
    private readonly random: SeededRandom,
    private nextId: number,
  ) {}

  stop(): void {
    this.writing = false;
  }

  async run(): Promise<void> {
    const db = new Client({ connectionString: this.url });
    await db.connect();
    const live = Array.from({ length: this.nextId - 1 }, (_, i) => i + 1);
    const pick = (): number => live[this.random.int(0, live.length - 1)] as number;
    try {
      while (this.writing) {
        const statements: string[] = [];
        for (let change = this.random.int(1, 4); change > 0; change -= 1) {
          const kind = this.random.int(0, 4);
          const id = pick();
          const n = this.random.int(0, 1_000_000);
          if (kind === 0 || live.length < 50) {
            const fresh = this.nextId++;
            live.push(fresh);
            statements.push(`INSERT INTO ${this.table} VALUES (${fresh}, 'new ${n}', ${n}, '\\x${n.toString(16).padStart(8, '0')}')`);
          } else if (kind === 1) {
            statements.push(`UPDATE ${this.table} SET v = 'upd ${n}', n = ${n} WHERE id = ${id}`);
          } else if (kind === 2) {
            live.splice(live.indexOf(id), 1);
            statements.push(`DELETE FROM ${this.table} WHERE id = ${id}`);
          } else if (kind === 3) {
            const fresh = this.nextId++;
            live.splice(live.indexOf(id), 1, fresh);
            statements.push(`UPDATE ${this.table} SET id = ${fresh}, n = ${n} WHERE id = ${id}`);
          } else {
            statements.push(`DELETE FROM ${this.table} WHERE id = ${id}`, `INSERT INTO ${this.table} VALUES (${id}, 'again ${n}', ${n}, NULL)`);
          }
        }
        await db.query(`BEGIN; ${statements.join('; ')}; COMMIT`);
        this.transactions += 1;
        await sleep(10);
      }
    } finally {
      await db.end();
    }
  }
}
