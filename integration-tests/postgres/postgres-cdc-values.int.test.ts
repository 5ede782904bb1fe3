import type { LockstepRecord } from '../../core/api/record';
import { testServices } from '../env';
import { CdcTestBed, eventOf } from './postgres-cdc-fixtures';

/**
 * One value model for the postgres-cdc source's two paths: rows of many types (domains as keys and values, domains
 * over domains, arrays, enums, composites, ranges, a generated column, floats at the edges) read by the initial
 * snapshot and then inserted again, so the stream carries the same rows: keys and values must be byte-identical as
 * JSON. The session of the source is opened with a server-side `extra_float_digits = 0` (as a server default would),
 * which lockstep must override. Also: keys from the replica identity in force (`USING INDEX`, a key change).
 */
const { url } = testServices().postgres;

/** The url with `extra_float_digits=0` as the session default (what `ALTER SYSTEM` would make it). */
function withLowFloatDigits(base: string): string {
  const parsed = new URL(base);
  parsed.searchParams.set('options', '-c extra_float_digits=0');
  return parsed.toString();
}

const json = (value: unknown): string => JSON.stringify(value);

describe('postgres-cdc source values: snapshot and stream agree', () => {
  let bed: CdcTestBed;
  const created: string[] = [];

  beforeEach(async () => {
    bed = new CdcTestBed(url);
    await bed.connect();
    await bed.createTable();
  });

  afterEach(async () => {
    try {
      await bed.sql(`DROP PUBLICATION IF EXISTS ${bed.publication}`);
      for (const statement of created.splice(0).reverse()) await bed.sql(statement);
    } finally {
      await bed.cleanup();
    }
  });

  /** Runs `create` and remembers `drop` for the cleanup. */
  async function define(create: string, drop: string): Promise<void> {
    await bed.sql(create);
    created.push(drop);
  }

  it('gives a row the same key and value from the snapshot (read) and the stream (insert), for every type', async () => {
    const s = bed.suffix;
    const t = `${bed.table}_values`;
    await define(`CREATE DOMAIN order_id_${s} AS bigint CHECK (VALUE > 0)`, `DROP DOMAIN order_id_${s}`);
    await define(`CREATE DOMAIN qty_${s} AS int`, `DROP DOMAIN qty_${s}`);
    await define(`CREATE DOMAIN small_qty_${s} AS qty_${s} CHECK (VALUE < 100)`, `DROP DOMAIN small_qty_${s}`);
    await define(`CREATE DOMAIN flag_${s} AS bool`, `DROP DOMAIN flag_${s}`);
    await define(`CREATE DOMAIN doc_${s} AS jsonb`, `DROP DOMAIN doc_${s}`);
    await define(`CREATE DOMAIN at_${s} AS timestamptz`, `DROP DOMAIN at_${s}`);
    await define(`CREATE DOMAIN ratio_${s} AS float8`, `DROP DOMAIN ratio_${s}`);
    await define(`CREATE DOMAIN blob_${s} AS bytea`, `DROP DOMAIN blob_${s}`);
    await define(`CREATE TYPE mood_${s} AS ENUM ('sad', 'ok', 'happy')`, `DROP TYPE mood_${s}`);
    await define(`CREATE TYPE pair_${s} AS (a int, b text)`, `DROP TYPE pair_${s}`);
    await define(
      `CREATE TABLE ${t} (
        id order_id_${s} PRIMARY KEY, q qty_${s}, sq small_qty_${s}, flag flag_${s}, doc doc_${s}, at at_${s}, ratio ratio_${s},
        blob blob_${s}, qs qty_${s}[], i2 int2, i4 int4, i8 int8, big int8, f4 float4, f8 float8, num numeric, num_nan numeric,
        ok bool, tx text, vc varchar(10), ch char(3), raw bytea, d date, tm time, tmtz timetz, ts timestamp, tstz timestamptz,
        iv interval, u uuid, j json, jb jsonb, ip inet, net cidr, mac macaddr, bits bit(4), vbits varbit, pt point,
        r int4range, tr tstzrange, ints int[], texts text[], mood mood_${s}, moods mood_${s}[], pair pair_${s}, o oid, tsv tsvector,
        doubled int GENERATED ALWAYS AS (i4 * 2) STORED
      )`,
      `DROP TABLE ${t}`,
    );
    const rows = [
      `(2, 5, 7, true, '{"k": [true, null]}', '2020-01-01 00:00:00+00', 0.1::float8 + 0.2::float8, '\\x00ff10', '{1,2}', -3, 42, 7, 9007199254740993,
        (1::float4 / 3::float4), 0.1::float8 + 0.2::float8, 12345678901234567890.0123456789, 'NaN', true, 'tëxt "q"', 'v', 'ab',
        '\\xdeadbeef', '2024-02-29', '13:14:15.5', '13:14:15+02', '2024-05-06 07:08:09.123456', '2024-05-06 09:08:09.5+02', '1 day 02:03:04',
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '[1, 2.50]', '{"b": 1, "a": [1e3]}', '10.0.0.1/8', '10.0.0.0/8', '08:00:2b:01:02:03', B'1010',
        B'101', '(1.5,-2)', '[1,5)', '[2020-01-01 00:00+00,infinity)', '{1,NULL,3}', '{"a b",c}', 'happy', '{ok,sad}', '(1,"x y")', 1234,
        'fat cat', DEFAULT)`,
      `(3, NULL, NULL, false, 'null', 'infinity', 'NaN', '\\x', '{}', 0, 0, 0, 0, 'Infinity', '-Infinity', 0, 'Infinity', false, '', '', '',
        NULL, '0001-01-01 BC', '00:00', '00:00+00', '-infinity', '2000-01-01 00:00:00.000001+00', '-1 mon', '00000000-0000-0000-0000-000000000000',
        '{}', '[]', '::1', '::/0', '00:00:00:00:00:00', B'0000', B'', '(0,0)', 'empty', 'empty', '{}', '{}', 'sad', '{}', '(,)', 0, '', DEFAULT)`,
      `(4, -1, 99, NULL, '1.5', NULL, '-0', NULL, NULL, NULL, NULL, NULL, -9007199254740993, '-0', '-0', -0.0, '-Infinity', NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, DEFAULT)`,
    ];
    const insert = `INSERT INTO ${t} VALUES ${rows.join(', ')}`;
    await bed.sql(insert);

    const run = await bed.run({ url: withLowFloatDigits(url), tables: [t], snapshot: 'initial' });
    const reads = await run.readExactly(rows.length);
    // the same rows again, through the stream
    await bed.sql(`DELETE FROM ${t}`);
    await bed.sql(insert);
    const streamed = (await run.readExactly(rows.length * 3)).slice(rows.length);
    const inserts = streamed.filter((record) => eventOf(record).op === 'insert');
    expect(streamed.filter((record) => eventOf(record).op === 'delete')).toHaveLength(rows.length);

    const byKey = (records: readonly LockstepRecord[]): Map<string, LockstepRecord> => new Map(records.map((record) => [json(record.key), record]));
    const readByKey = byKey(reads);
    const insertByKey = byKey(inserts);
    expect([...insertByKey.keys()].sort()).toEqual([...readByKey.keys()].sort());
    expect([...readByKey.keys()].sort()).toEqual(['{"id":2}', '{"id":3}', '{"id":4}']);
    for (const [key, read] of readByKey) {
      const after = eventOf(read).after as Record<string, unknown>;
      const streamedAfter = eventOf(insertByKey.get(key)!).after as Record<string, unknown>;
      // column by column first (a readable failure), then the whole row byte for byte
      for (const column of Object.keys(after)) expect({ key, column, value: json(streamedAfter[column]) }).toEqual({ key, column, value: json(after[column]) });
      expect(json(streamedAfter)).toBe(json(after));
    }

    const row2 = eventOf(readByKey.get('{"id":2}')!).after as Record<string, unknown>;
    expect(row2).toMatchObject({
      q: 5,
      sq: 7,
      flag: true,
      doc: '{"k": [true, null]}',
      j: '[1, 2.50]', // json: its text exactly
      jb: '{"a": [1000], "b": 1}', // jsonb: as the server prints it
      at: '2020-01-01T00:00:00Z',
      ratio: 0.30000000000000004,
      blob: Buffer.from('00ff10', 'hex').toString('base64'),
      f4: 0.33333334,
      f8: 0.30000000000000004,
      num_nan: 'NaN',
      raw: Buffer.from('deadbeef', 'hex').toString('base64'),
      big: '9007199254740993',
    });
    expect(row2).not.toHaveProperty('doubled'); // generated columns are not replicated: on neither path
    const row3 = eventOf(readByKey.get('{"id":3}')!).after as Record<string, unknown>;
    expect(row3).toMatchObject({ ratio: 'NaN', f4: 'Infinity', f8: '-Infinity', blob: '', doc: 'null', flag: false });
    const row4 = eventOf(readByKey.get('{"id":4}')!).after as Record<string, unknown>;
    expect(row4).toMatchObject({ ratio: '-0', f4: '-0', f8: '-0', doc: '1.5', big: '-9007199254740993', flag: null });
  });

  it('keys records by the replica identity index and deletes the old key when the key changes', async () => {
    const t = `${bed.table}_ri`;
    await define(`CREATE TABLE ${t} (id int PRIMARY KEY, code text NOT NULL, v text)`, `DROP TABLE ${t}`);
    await bed.sql(`CREATE UNIQUE INDEX ${t}_code ON ${t} (code)`);
    await bed.sql(`ALTER TABLE ${t} REPLICA IDENTITY USING INDEX ${t}_code`);
    await bed.sql(`INSERT INTO ${t} VALUES (1, 'a', 'x'), (2, 'b', 'y')`);
    const run = await bed.run({ tables: [t], snapshot: 'initial' });
    const reads = await run.readExactly(2);
    expect(reads.map((record) => record.key)).toEqual([{ code: 'a' }, { code: 'b' }]);
    await bed.sql(`DELETE FROM ${t} WHERE id = 1`);
    await bed.sql(`UPDATE ${t} SET code = 'c' WHERE id = 2`);
    await bed.sql(`UPDATE ${t} SET id = 20 WHERE id = 2`); // the primary key changes, the identity does not
    const records = (await run.readExactly(6)).slice(2);
    expect(records.map((record) => [eventOf(record).op, record.key])).toEqual([
      ['delete', { code: 'a' }],
      ['delete', { code: 'b' }], // the identity changed: the old key's delete first
      ['update', { code: 'c' }],
      ['update', { code: 'c' }],
    ]);
    expect(eventOf(records[1]!)).toMatchObject({ before: { code: 'b' }, after: null });
    expect(eventOf(records[2]!)).toMatchObject({ before: { code: 'b' }, after: { id: 2, code: 'c', v: 'y' } });
  });

  it('emits the old primary key\'s delete before an update that changes it, with the default and the full identity', async () => {
    await bed.createPublicationAndSlot();
    await bed.sql(`INSERT INTO ${bed.table} VALUES (1, 'a', 0), (2, 'b', 0)`);
    await bed.sql(`UPDATE ${bed.table} SET id = 10 WHERE id = 1`);
    await bed.sql(`ALTER TABLE ${bed.table} REPLICA IDENTITY FULL`);
    await bed.sql(`UPDATE ${bed.table} SET id = 20 WHERE id = 2`);
    const run = await bed.run();
    const records = await run.readExactly(6, 20_000);
    expect(records.map((record) => [eventOf(record).op, record.key])).toEqual([
      ['insert', { id: 1 }],
      ['insert', { id: 2 }],
      ['delete', { id: 1 }],
      ['update', { id: 10 }],
      ['delete', { id: 2 }],
      ['update', { id: 20 }],
    ]);
    expect(eventOf(records[4]!).before).toEqual({ id: 2, v: 'b', n: 0 });
  });

  it('refuses a table with REPLICA IDENTITY NOTHING at start, with the fix', async () => {
    await bed.sql(`ALTER TABLE ${bed.table} REPLICA IDENTITY NOTHING`);
    const run = await bed.run({ snapshot: 'initial' });
    expect(await run.failure()).toMatchObject({
      code: 'LS_POSTGRES_CDC_REPLICA_IDENTITY',
      message: expect.stringMatching(/REPLICA IDENTITY NOTHING.*Fix: ALTER TABLE/),
    });
  });
});
