import { Client } from 'pg';
import { compareKeys, type KeyKind } from '../../connectors/postgres/cdc/key-order';
import { SeededRandom } from '../../core/testing/seeded-random';
import { testServices } from '../env';
import { type CdcRun, type CdcTestBed, eventOf, useCdcTestBed } from './postgres-cdc-fixtures';

/**
 * The chunked snapshot holds back changes above its cursor by comparing keys in JavaScript: that comparison must
 * order keys exactly as the chunk queries do. Checked against a real server: its `ORDER BY` (text `COLLATE "C"`) over
 * every kind of key column, and a snapshot of a table with a composite text/bigint key, crashed during the snapshot
 * while rows are inserted, updated and deleted on both sides of the cursor.
 */
const { url } = testServices().postgres;

describe('postgres-cdc chunked snapshot key order', () => {
  let bed: CdcTestBed;
  useCdcTestBed(url, (created) => (bed = created), { table: false });

  it('compares keys in the order Postgres sorts them (text COLLATE "C", bigint, numeric, uuid, char)', async () => {
    const t = bed.table;
    await bed.sql(`CREATE TABLE ${t} (s text, b bigint, x numeric, u uuid, c char(3), PRIMARY KEY (s, b, x, u, c))`);
    const texts = ['', 'a', 'A', 'ab', 'aB', 'b', 'Z', 'z', 'ä', 'é', 'É', 'ß', '€', '\u{1F600}', '\uE000', 'a b', 'a-b', ' a', '0', '10', '9'];
    const bigints = ['-9223372036854775808', '-1', '0', '1', '9007199254740993', '9223372036854775806', '9223372036854775807'];
    const numerics = ['-Infinity', '-12.5', '-0.001', '0', '0.0001', '1.10', '2', '123456789012345678901234567890.5', 'Infinity', 'NaN'];
    const uuids = ['00000000-0000-0000-0000-000000000000', '0fffffff-ffff-ffff-ffff-ffffffffffff', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'ffffffff-ffff-ffff-ffff-ffffffffffff'];
    const chars = ['', 'a', 'a  ', 'ab', 'B', 'é'];
    const random = new SeededRandom(7);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random.next() * values.length)] as T;
    const rows = new Set<string>();
    while (rows.size < 1_500) rows.add(JSON.stringify([pick(texts), pick(bigints), pick(numerics), pick(uuids), pick(chars)]));
    const values = [...rows].map((row) => JSON.parse(row) as string[]);
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO ${t} SELECT * FROM unnest($1::text[], $2::bigint[], $3::numeric[], $4::uuid[], $5::char(3)[]) ON CONFLICT DO NOTHING`,
        [0, 1, 2, 3, 4].map((i) => values.map((row) => row[i])),
      );
      // as the chunk sees the key: Postgres' text of each column (char padded to its length)
      // (output names other than the columns': ORDER BY a bare output name would sort the text)
      const sorted = await client.query<{ s: string; bt: string; xt: string; ut: string; c: string }>(
        `SELECT s, b::text AS bt, x::text AS xt, u::text AS ut, c FROM ${t} ORDER BY s COLLATE "C", b, x, u, c COLLATE "C"`,
      );
      const paddedRows = sorted.rows.map((row) => [row.s, row.bt, row.xt, row.ut, row.c]);
      const kinds: KeyKind[] = ['text', 'integer', 'numeric', 'uuid', 'bpchar'];
      const shuffled = paddedRows.map((row) => ({ row, order: random.next() }));
      shuffled.sort((a, b) => a.order - b.order);
      const inJsOrder = shuffled.map(({ row }) => row).sort((a, b) => compareKeys(kinds, a, b));
      expect(paddedRows.length).toBeGreaterThan(1_000);
      expect(paddedRows.some((row) => row[4]?.endsWith(' '))).toBe(true);
      const firstDifference = inJsOrder.findIndex((row, i) => JSON.stringify(row) !== JSON.stringify(paddedRows[i]));
      expect(firstDifference < 0 ? [] : [inJsOrder.slice(firstDifference, firstDifference + 3), paddedRows.slice(firstDifference, firstDifference + 3)]).toEqual([]);
      // and each neighbour pair compares as Postgres says (strictly increasing: the rows are distinct keys)
      const disorder = paddedRows.slice(1).filter((row, i) => compareKeys(kinds, paddedRows[i] as string[], row) >= 0);
      expect(disorder).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('gives every row of a text/bigint-keyed table once, as read or insert first, across crashes with writes on both sides of the cursor', async () => {
    const t = bed.table;
    await bed.sql(`CREATE TABLE ${t} (k text, b bigint, v text, n int, PRIMARY KEY (k, b))`);
    const prefixes = ['a', 'B', 'ä', 'z', 'é', 'Ab'];
    await bed.sql(`INSERT INTO ${t} SELECT p, 2 * g, 'v0', 0 FROM unnest(ARRAY['${prefixes.join("','")}']) p, generate_series(1, 1000) g`);
    const random = new SeededRandom(23);
    const writer = new Client({ connectionString: url });
    await writer.connect();
    let writing = true;
    let serial = 0;
    const writes = (async () => {
      while (writing) {
        serial += 1;
        const prefix = prefixes[Math.floor(random.next() * prefixes.length)] as string;
        const existing = 2 * (1 + Math.floor(random.next() * 1000));
        await writer.query(
          `BEGIN; INSERT INTO ${t} VALUES ('${prefix}', ${10_000_000 + serial}, 'new', 0), ('${prefix}', ${4 * serial + 1}, 'mid', 0), ('\u{1F600}${serial}', 1, 'top', 0); ` +
            `UPDATE ${t} SET n = n + 1, v = 'upd' WHERE k = '${prefix}' AND b = ${existing}; ` +
            `DELETE FROM ${t} WHERE k = '${prefixes[serial % prefixes.length]}' AND b = ${2 * (1 + Math.floor(random.next() * 1000))}; COMMIT`,
        );
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
    })();
    const state = new Map<string, string>();
    const firsts = new Map<string, string>();
    const readOrInsert = new Map<string, number>();
    const apply = (run: CdcRun): void => {
      for (const record of run.delivered) {
        const event = eventOf(record);
        const key = JSON.stringify(record.key);
        if (!firsts.has(key)) firsts.set(key, event.op);
        if (event.op === 'read' || event.op === 'insert') readOrInsert.set(key, (readOrInsert.get(key) ?? 0) + 1);
        if (event.op === 'delete') state.delete(key);
        else {
          const row = event.after as { v: string; n: number };
          state.set(key, `${row.v}/${row.n}`);
        }
      }
      run.delivered.length = 0;
    };
    const config = { snapshot: 'initial' as const, snapshotChunkSize: 97 };
    const options = { statusIntervalMs: 200, maxBufferedRecords: 500 };
    const underWay = (run: CdcRun, id: number): boolean => JSON.parse(run.checkpoint(id))[0].data.progress.snapshot !== undefined;
    let checkpoint: string | undefined;
    try {
      for (let kill = 0; kill < 5; kill += 1) {
        const run = await bed.run(config, checkpoint, options);
        let delivered = 0;
        const target = 400 + Math.floor(random.next() * 600);
        while (delivered < target) {
          await run.poll(100);
          delivered += run.delivered.length;
          apply(run);
        }
        checkpoint = run.checkpoint(kill + 1);
        expect(underWay(run, 1_000 + kill)).toBe(true);
      }
      const last = await bed.run(config, checkpoint, options);
      while (underWay(last, 100)) {
        await last.poll(200);
        apply(last);
      }
      writing = false;
      await writes;
      const table = await bed.admin.query<{ k: string; b: string; v: string; n: number }>(`SELECT k, b::text, v, n FROM ${t}`);
      const expected = new Map(table.rows.map((row) => [JSON.stringify({ k: row.k, b: Number(row.b) }), `${row.v}/${row.n}`]));
      const deadline = Date.now() + 60_000;
      while ((state.size !== expected.size || [...expected].some(([key, value]) => state.get(key) !== value)) && Date.now() < deadline) {
        await last.poll(200);
        apply(last);
      }
      const changedFirst = [...firsts].filter(([, op]) => op !== 'read' && op !== 'insert').map(([key, op]) => `${key} ${op}`);
      const twice = [...readOrInsert].filter(([, count]) => count > 1).map(([key]) => key);
      const wrong = [...expected].filter(([key, value]) => state.get(key) !== value).map(([key]) => key);
      process.stdout.write(
        `postgres-cdc text-keyed snapshot crash trial: ${serial} write transactions, ${expected.size} rows at the end; ` +
          `${changedFirst.length} first seen as a change, ${twice.length} read/inserted twice, ${wrong.length} wrong or missing\n`,
      );
      expect(changedFirst.slice(0, 5)).toEqual([]);
      expect(twice.slice(0, 5)).toEqual([]);
      expect(wrong.slice(0, 5)).toEqual([]);
      expect(state.size).toBe(expected.size);
      await last.close();
    } finally {
      writing = false;
      await writes.catch(() => undefined);
      await writer.end();
    }
  }, 300_000);
});
