import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { testServices } from '../env';
import { usePostgresClient, useTempDir } from '../support/chaos-fixtures';
import { startLockstep } from '../support/lockstep-process';
import { uniqueTable } from './postgres-table-fixtures';

/**
 * A plain copy copies the data: a table of awkward values (float NaN, ±Infinity, -0 and subnormals, bytea with every
 * byte and empty, int8 beyond 2^53, exact numeric, json kept as written, arrays, timestamps, intervals, a domain)
 * copied by `lockstep run` with the obvious config — the table source, and the CDC source's initial snapshot and
 * stream, each into the Postgres sink — ends with a target whose every row reads, through Postgres' own text output,
 * exactly as the source's.
 */
const { url } = testServices().postgres;

const COLUMNS = `id int PRIMARY KEY, f8 float8, f4 float4, big int8, exact numeric, flag bool, raw bytea, doc jsonb, txt json,
  at timestamptz, local timestamp, day date, t time, span interval, u uuid, ints int[], words text[], note text, cents money_cents`;

/** Rows 1–8: one awkward value per column at a time; NULLs elsewhere. */
const ROWS = [
  `(1, 'NaN', 'NaN', 9007199254740993, 0.10000000000000000001, true, '\\x00ff10', '{"b": 1, "a": [1.50, null]}', '{"b":1,  "a":2}',
    '2024-05-01 10:00:00.123456+00', '1999-12-31 23:59:59.999999', '2024-02-29', '23:59:59.5', '1 year 2 mons 3 days 04:05:06.7', '0e9a0ed8-0d0b-4c5e-9e2f-1c0c7c3b1d2e', '{1,NULL,3}', '{"a b","c,d",NULL,""}', 'plain', 42)`,
  `(2, '-0', '-0', -9223372036854775808, 'NaN', false, '', 'null', 'null', 'infinity', '-infinity', 'infinity', '00:00', '-1 days', NULL, '{}', '{}', '', -1)`,
  `(3, 'Infinity', '-Infinity', 0, -0.0, NULL, '\\x', '[]', '[]', '0001-01-01 00:00:00+00 BC', '2000-01-01 00:00:00', '4713-01-01 BC', NULL, NULL, NULL, NULL, NULL, 'tab\there "quoted" \\\\ back', 0)`,
  `(4, '-Infinity', 'Infinity', 1, 1e-310, NULL, decode(repeat('00', 0) || (SELECT string_agg(lpad(to_hex(b), 2, '0'), '') FROM generate_series(0, 255) b), 'hex'), '{"\\u00e9": "é", "n": 1e400}', '{"dup": 1, "dup": 2}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'ünïcødé ✓ 🎉', NULL)`,
  `(5, 4.9e-324, 1.4e-45, NULL, 123456789012345678901234567890.123456789, NULL, 'abc', '{"a": 0.1}', '0.1', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'AAEC', NULL)`,
  `(6, 0.1, 0.1, NULL, NULL, NULL, 'AAEC', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '\\x00', NULL)`,
  `(7, 1.7976931348623157e308, 3.4028235e38, NULL, NULL, NULL, '\\xdeadbeef', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
  `(8, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
];

describe('postgres → postgres copy (lockstep run, default settings)', () => {
  const tempDir = useTempDir('lockstep-pg-copy-');
  const pg = usePostgresClient(url);
  const cleanup: string[] = [];

  beforeAll(async () => {
    // a domain: the CDC stream names it, the snapshot its base type
    await pg().query('DO $$ BEGIN CREATE DOMAIN money_cents AS int8; EXCEPTION WHEN duplicate_object THEN NULL; END $$');
  });

  afterEach(async () => {
    for (const statement of cleanup.splice(0).reverse()) await pg().query(statement).catch(() => undefined);
  });

  async function tables(): Promise<{ source: string; target: string }> {
    const source = uniqueTable('copy_src');
    const target = uniqueTable('copy_dst');
    await pg().query(`CREATE TABLE ${source} (${COLUMNS})`);
    await pg().query(`CREATE TABLE ${target} (${COLUMNS})`);
    cleanup.push(`DROP TABLE ${source}`, `DROP TABLE ${target}`);
    return { source, target };
  }

  /** Each row as Postgres prints it (`whole::text`), by id: the oracle is the server's own output, not our decoding. */
  async function rowsAsText(table: string): Promise<Map<number, string>> {
    const result = await pg().query<{ id: number; row: string }>(`SELECT id, whole::text AS row FROM ${table} whole ORDER BY id`);
    return new Map(result.rows.map((row) => [row.id, row.row]));
  }

  async function pipelineFile(name: string, source: string, target: string): Promise<string> {
    const file = join(tempDir(), 'pipeline.yaml');
    await writeFile(
      file,
      [
        `name: ${name}`,
        `checkpoint: { interval: 200ms, storage: "${join(tempDir(), 'checkpoints')}" }`,
        `sources: [{ id: src, ${source} }]`,
        `sinks: [{ id: dst, type: postgres, url: "${url}", table: ${target} }]`,
        '',
      ].join('\n'),
    );
    return file;
  }

  it('the table source into the sink: every row as the source prints it', async () => {
    const { source, target } = await tables();
    await pg().query(`INSERT INTO ${source} VALUES ${ROWS.join(', ')}`);
    const file = await pipelineFile(`pg-copy-${source.slice(-8)}`, `type: postgres, url: "${url}", table: ${source}`, target);
    const run = startLockstep(['run', file], join(tempDir(), 'run.log'));
    expect(await run.exited).toBe(0);
    expect(await rowsAsText(target)).toEqual(await rowsAsText(source));
  }, 120_000);

  it('the CDC source (snapshot, then stream) into the sink: every row as the source prints it', async () => {
    const { source, target } = await tables();
    // rows 1–4 in the snapshot, 5–8 through the stream
    await pg().query(`INSERT INTO ${source} VALUES ${ROWS.slice(0, 4).join(', ')}`);
    const slot = source;
    cleanup.push(`SELECT pg_drop_replication_slot('${slot}')`, `DROP PUBLICATION IF EXISTS ${slot}`);
    const file = await pipelineFile(
      `pg-cdc-copy-${source.slice(-8)}`,
      `type: postgres-cdc, url: "${url}", tables: [${source}], slot: ${slot}, publication: ${slot}, snapshot: initial`,
      // the obvious config: the sink applies the change events (their after rows, upserted on the primary key)
      target,
    );
    const log = join(tempDir(), 'run.log');
    const run = startLockstep(['run', file], log);
    const count = async (): Promise<number> => Number((await pg().query<{ n: string }>(`SELECT count(*) AS n FROM ${target}`)).rows[0]?.n);
    const until = async (n: number): Promise<void> => {
      const deadline = Date.now() + 60_000;
      while ((await count()) < n) {
        if (Date.now() > deadline) throw new Error(`${await count()} of ${n} rows in the target after 60 s; the run's log:\n${await readFile(log, 'utf8')}`);
        await sleep(200);
      }
    };
    await until(4);
    await pg().query(`INSERT INTO ${source} VALUES ${ROWS.slice(4).join(', ')}`);
    await until(ROWS.length);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(await rowsAsText(target)).toEqual(await rowsAsText(source));
  }, 120_000);
});
