import type { LockstepRecord } from '../../core/api/record';
import { SeededRandom, SourceRun } from '../../core/testing';
import { testServices } from '../env';
import { PostgresTableTestBed } from './postgres-table-fixtures';

/**
 * The table source against a real server, driven through the plugin API the way the engine drives it: bounded reads
 * split over three subtasks, a restore from a checkpoint taken mid-way, query sources, row value types, the
 * uniqueness checks, and incremental polling across a restart.
 */
const { url } = testServices().postgres;

const idsOf = (records: readonly LockstepRecord[]): number[] => records.map((record) => Number((record.value as { id: number }).id));
const sorted = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, n) => from + n);

/** Polls until every reader ended (bounded) or `until` holds (unbounded), failing after `maxPolls`. */
async function readUntil(run: SourceRun, until: () => boolean = () => run.finished, maxPolls = 20_000): Promise<void> {
  const random = new SeededRandom(7);
  for (let polls = 0; !run.finished && !until(); polls += 1) {
    if (polls >= maxPolls) throw new Error(`not done after ${maxPolls} polls`);
    await run.poll(random);
  }
}

describe('postgres table source', () => {
  let bed: PostgresTableTestBed;
  beforeEach(async () => {
    bed = await new PostgresTableTestBed(url).connect();
  });
  afterEach(() => bed.close());

  it('reads every row exactly once, split into key ranges over 3 subtasks', async () => {
    const table = await bed.createTable('split3', 'id bigint PRIMARY KEY, note text');
    await bed.sql(`INSERT INTO ${table} SELECT n, 'row ' || n FROM generate_series(1, 5000) n`);
    const run = await SourceRun.start(bed.source({ table, fetchSize: 100 }), 3);
    const assigned = run.checkpoint(1).splitStates;
    // 3 × 4 ranges by default, round-robin: every subtask reads a share
    expect(assigned.map((splits) => splits.length)).toEqual([4, 4, 4]);
    await readUntil(run);
    await run.close();
    expect(idsOf(run.delivered)).toHaveLength(5000);
    expect(sorted(idsOf(run.delivered))).toEqual(range(1, 5000));
    expect(run.delivered[0]).toMatchObject({ key: 1, origin: `${table}@1`, value: { id: 1, note: 'row 1' } });
  });

  it('resumes after a crash from a checkpoint taken mid-way, without loss or duplicates', async () => {
    const table = await bed.createTable('resume', 'id int PRIMARY KEY, note text');
    await bed.sql(`INSERT INTO ${table} SELECT n, md5(n::text) FROM generate_series(1, 3000) n`);
    const random = new SeededRandom(3);
    const first = await SourceRun.start(bed.source({ table, fetchSize: 50 }), 3);
    for (let i = 0; i < 60; i += 1) await first.poll(random);
    const checkpoint = first.checkpoint(1).checkpoint;
    const beforeCheckpoint = idsOf(first.delivered);
    for (let i = 0; i < 30; i += 1) await first.poll(random); // read on, then crash: these rows must come again
    expect(beforeCheckpoint.length).toBeGreaterThan(100);
    expect(beforeCheckpoint.length).toBeLessThan(3000);

    const second = await SourceRun.start(bed.source({ table, fetchSize: 50 }), 3, checkpoint);
    await readUntil(second);
    await Promise.all([first.close(), second.close()]);
    const all = [...beforeCheckpoint, ...idsOf(second.delivered)];
    expect(all).toHaveLength(3000);
    expect(sorted(all)).toEqual(range(1, 3000));
  });

  it('reads a query, split by a column of its result', async () => {
    const table = await bed.createTable('query', 'id int PRIMARY KEY, amount numeric(12, 2) NOT NULL, region text NOT NULL');
    await bed.sql(`INSERT INTO ${table} SELECT n, n * 1.5, CASE WHEN n % 3 = 0 THEN 'eu' ELSE 'us' END FROM generate_series(1, 900) n`);
    const query = `SELECT id, amount * 2 AS doubled, upper(region) AS region FROM ${table} WHERE region = 'eu'`;
    const run = await SourceRun.start(bed.source({ query, splitColumn: 'id', fetchSize: 40 }), 3);
    await readUntil(run);
    await run.close();
    expect(sorted(idsOf(run.delivered))).toEqual(range(1, 300).map((n) => n * 3));
    const first = run.delivered.find((record) => record.key === 3);
    expect(first).toEqual({ key: 3, origin: 'query@3', value: { id: 3, doubled: '9.00', region: 'EU' } });
  });

  it('converts column types: numbers, exact int8 and numeric, float specials as strings, bool, json as its text, timestamps as ISO strings, bytea as base64', async () => {
    const table = await bed.createTable(
      'types',
      `id int8 PRIMARY KEY, small int2, big int8, price numeric, ratio float8, flag bool, doc jsonb, raw json,
       at timestamptz, local timestamp, day date, bytes bytea, missing text`,
    );
    await bed.sql(
      `INSERT INTO ${table} VALUES
        (1, 7, 9007199254740993, 12345678901234567890.123456789, 0.5, true, '{"a":[1,2]}', '[1, "x"]',
         '2024-05-01 12:30:00.123456+02', '2024-05-01 12:30:00.5', '2024-05-01', '\\x00ff10', NULL),
        (9007199254740993, -1, 42, 0, 'NaN', false, 'null', 'null', 'infinity', '1999-12-31 23:59:59', '1999-12-31', '', NULL)`,
    );
    const run = await SourceRun.start(bed.source({ table }), 1);
    await readUntil(run);
    await run.close();
    expect(run.delivered).toHaveLength(2);
    const [first, second] = run.delivered as [LockstepRecord, LockstepRecord];
    expect(first.key).toBe(1);
    expect(first.value).toEqual({
      id: 1,
      small: 7,
      big: '9007199254740993',
      price: '12345678901234567890.123456789',
      ratio: 0.5,
      flag: true,
      doc: '{"a": [1, 2]}',
      raw: '[1, "x"]',
      at: '2024-05-01T10:30:00.123456Z',
      local: '2024-05-01T12:30:00.5',
      day: '2024-05-01',
      bytes: Buffer.from([0x00, 0xff, 0x10]).toString('base64'),
      missing: null,
    });
    expect(second).toMatchObject({ key: '9007199254740993', origin: `${table}@9007199254740993` });
    expect(second.value).toMatchObject({ big: 42, ratio: 'NaN', flag: false, doc: 'null', raw: 'null', at: 'infinity', bytes: '' });
  });

  it('splits timestamp and numeric keys into ranges and reads every row once', async () => {
    const byTime = await bed.createTable('tskey', 'at timestamptz PRIMARY KEY, id int NOT NULL');
    await bed.sql(`INSERT INTO ${byTime} SELECT timestamptz '2024-01-01 00:00:00+00' + n * interval '1 minute 0.000001 second', n FROM generate_series(1, 700) n`);
    const byNumeric = await bed.createTable('numkey', 'k numeric PRIMARY KEY, id int NOT NULL');
    await bed.sql(`INSERT INTO ${byNumeric} SELECT n / 7.0, n FROM generate_series(1, 700) n`);
    for (const table of [byTime, byNumeric]) {
      const run = await SourceRun.start(bed.source({ table, splits: 9, fetchSize: 33 }), 3);
      expect(run.checkpoint(1).splitStates.flat()).toHaveLength(9);
      await readUntil(run);
      await run.close();
      expect(sorted(idsOf(run.delivered))).toEqual(range(1, 700));
    }
  });

  it('reads a table keyed by uuid (no min/max aggregate) as one key range', async () => {
    const table = await bed.createTable('uuidkey', 'id uuid PRIMARY KEY, n int NOT NULL');
    await bed.sql(`INSERT INTO ${table} SELECT md5(n::text)::uuid, n FROM generate_series(1, 500) n`);
    const run = await SourceRun.start(bed.source({ table, fetchSize: 37 }), 2);
    expect(run.checkpoint(1).splitStates.flat()).toHaveLength(1);
    await readUntil(run);
    await run.close();
    expect(sorted(run.delivered.map((record) => (record.value as { n: number }).n))).toEqual(range(1, 500));
  });

  it('ends at once on an empty table', async () => {
    const table = await bed.createTable('empty', 'id int PRIMARY KEY');
    const run = await SourceRun.start(bed.source({ table }), 2);
    await readUntil(run, undefined, 50);
    await run.close();
    expect(run.finished).toBe(true);
    expect(run.delivered).toEqual([]);
  });

  it('refuses a split column that is neither the primary key nor unique, naming it', async () => {
    const table = await bed.createTable('notunique', 'id int PRIMARY KEY, grp int NOT NULL');
    await bed.sql(`INSERT INTO ${table} SELECT n, n % 10 FROM generate_series(1, 100) n`);
    await expect(SourceRun.start(bed.source({ table, splitColumn: 'grp' }), 2)).rejects.toMatchObject({
      code: 'LS_CONFIG_INVALID',
      message: expect.stringContaining(`splitColumn grp of ${table} is neither its primary key nor covered by a unique index`),
    });
    await expect(SourceRun.start(bed.source({ table, splitColumn: 'nope' }), 2)).rejects.toMatchObject({
      code: 'LS_CONFIG_INVALID',
      message: expect.stringContaining('splitColumn nope is not a column'),
    });
  });

  it('accepts a unique index, and with skipUniqueCheck fails on duplicate keys it meets instead of skipping rows', async () => {
    const table = await bed.createTable('uniq', 'id int PRIMARY KEY, code int NOT NULL UNIQUE, grp int NOT NULL');
    await bed.sql(`INSERT INTO ${table} SELECT n, 1000 + n, n % 10 FROM generate_series(1, 100) n`);
    const byCode = await SourceRun.start(bed.source({ table, splitColumn: 'code' }), 2);
    await readUntil(byCode);
    await byCode.close();
    expect(sorted(idsOf(byCode.delivered))).toEqual(range(1, 100));

    const byGroup = await SourceRun.start(bed.source({ table, splitColumn: 'grp', skipUniqueCheck: true }), 1);
    await expect(readUntil(byGroup)).rejects.toMatchObject({ code: 'LS_CONFIG_INVALID', message: expect.stringContaining('grp is not unique') });
    await byGroup.close();
  });

  it('incremental: picks up rows inserted later and resumes from its checkpoint', async () => {
    const table = await bed.createTable('incr', 'id serial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), note text');
    const insert = (from: number, to: number): Promise<unknown> =>
      bed.sql(`INSERT INTO ${table} (id, note) SELECT n, 'n' || n FROM generate_series(${from}, ${to}) n`);
    const source = (): ReturnType<PostgresTableTestBed['source']> =>
      bed.source({ table, mode: 'incremental', incrementalColumn: 'id', fetchSize: 25, pollInterval: 20 });
    await insert(1, 100);
    const first = await SourceRun.start(source(), 2);
    await readUntil(first, () => first.delivered.length >= 100);
    await insert(101, 160);
    await readUntil(first, () => first.delivered.length >= 160);
    expect(first.source.bounded).toBe(false);
    expect(sorted(idsOf(first.delivered))).toEqual(range(1, 160));
    const checkpoint = first.checkpoint(1).checkpoint;
    await first.close();

    await insert(161, 200);
    const second = await SourceRun.start(source(), 2, checkpoint);
    await readUntil(second, () => second.delivered.length >= 40);
    // a few more polls bring nothing: everything before the checkpoint stays read
    const random = new SeededRandom(1);
    for (let i = 0; i < 20; i += 1) await second.poll(random);
    await second.close();
    expect(sorted(idsOf(second.delivered))).toEqual(range(161, 200));
  });

  it('incremental with lag: rows younger than the lag wait', async () => {
    const table = await bed.createTable('lag', 'id int PRIMARY KEY, updated_at timestamptz NOT NULL');
    await bed.sql(`INSERT INTO ${table} VALUES (1, now() - interval '1 hour'), (2, now() - interval '10 minutes'), (3, now())`);
    const run = await SourceRun.start(
      bed.source({ table, mode: 'incremental', incrementalColumn: 'updated_at', lag: 5 * 60_000, pollInterval: 10 }),
      1,
    );
    const random = new SeededRandom(2);
    for (let i = 0; i < 30; i += 1) await run.poll(random);
    await run.close();
    expect(idsOf(run.delivered)).toEqual([1, 2]);
  });
});
