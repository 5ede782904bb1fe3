import { SeededRandom } from '../../core/testing/seeded-random';
import { testServices } from '../env';
import { SnapshotChurn } from '../support/snapshot-churn';
import { type CdcRun, type CdcTestBed, eventOf, useCdcTestBed } from './postgres-cdc-fixtures';

/**
 * Crash trial of the chunked initial snapshot: 200,000 rows (even ids), the reader crashed (dropped without close, as
 * a SIGKILL leaves it) 5 times at random points of the snapshot while another connection keeps inserting rows (odd
 * ids anywhere in the key range, below and above the snapshot's cursor, and ids above the largest one at the start),
 * updating and deleting rows; each run resumes from the previous one's last checkpoint, and a last run reads to the
 * end. Over the committed history of all runs: every row's first record is its `read` or its `insert`, and it has
 * exactly one of them (no duplicate, whichever path) — ids are never reused — every row of the table is in it, and the
 * table rebuilt from the history equals the table itself (no row and no change lost).
 */
const { url } = testServices().postgres;
const ROWS = Number(process.env.LOCKSTEP_CDC_SNAPSHOT_ROWS ?? 200_000);
const KILLS = 5;
const OPTIONS = { statusIntervalMs: 200, maxBufferedRecords: 4_000 };

describe('postgres-cdc initial snapshot under crashes', () => {
  let bed: CdcTestBed;
  useCdcTestBed(url, (created) => (bed = created));

  it(`loses nothing when killed ${KILLS} times during the snapshot of ${ROWS} rows with concurrent writes`, async () => {
    const t = bed.table;
    await bed.sql(`INSERT INTO ${t} SELECT 2 * g, 'v0', 0 FROM generate_series(1, ${ROWS}) g`);
    const random = new SeededRandom(16);
    const churn = await SnapshotChurn.start(url, t, { rows: ROWS, random, pauseMs: 5, nearbyUpdates: true });

    // The committed history: every run checkpoints right after its last poll, so all it delivered counts.
    const state = new Map<number, string>();
    const readCount = new Map<number, number>();
    const insertCount = new Map<number, number>();
    const seen = new Set<number>();
    /** Rows whose first record was neither their read nor their insert. */
    const badFirst: string[] = [];
    let records = 0;
    const apply = (run: CdcRun): void => {
      for (const record of run.delivered) {
        const event = eventOf(record);
        const row = (event.after ?? event.before) as { id: number; v: string; n: number };
        if (event.op === 'read') readCount.set(row.id, (readCount.get(row.id) ?? 0) + 1);
        if (event.op === 'insert') insertCount.set(row.id, (insertCount.get(row.id) ?? 0) + 1);
        if (!seen.has(row.id) && event.op !== 'read' && event.op !== 'insert') badFirst.push(`${row.id}:${event.op}`);
        seen.add(row.id);
        if (event.op === 'delete') state.delete(row.id);
        else state.set(row.id, `${row.v}/${row.n}`);
      }
      records += run.delivered.length;
      run.delivered.length = 0;
    };
    const snapshotUnderWay = (run: CdcRun, id: number): boolean => JSON.parse(run.checkpoint(id))[0].data.progress.snapshot !== undefined;
    let checkpoint: string | undefined;
    let kills = 0;
    try {
      for (let kill = 0; kill < KILLS; kill += 1) {
        const run = await bed.run({ snapshot: 'initial' }, checkpoint, OPTIONS);
        const target = Math.floor(ROWS * (0.05 + random.next() * 0.12));
        let delivered = 0;
        while (delivered < target) {
          await run.poll(1_000);
          delivered += run.delivered.length;
          apply(run);
        }
        checkpoint = run.checkpoint(kill + 1);
        expect(snapshotUnderWay(run, 1_000 + kill)).toBe(true); // killed during the snapshot
        kills += 1; // crash: the run is dropped without close, its connections left to the server
      }

      const last = await bed.run({ snapshot: 'initial' }, checkpoint, OPTIONS);
      while (snapshotUnderWay(last, 100)) {
        await last.poll(1_000);
        apply(last);
      }
      await churn.stop();
      const final = await bed.admin.query<{ id: number; v: string; n: number }>(`SELECT id, v, n FROM ${t}`);
      const expected = new Map(final.rows.map((row) => [row.id, `${row.v}/${row.n}`]));
      const deadline = Date.now() + 60_000;
      while ([...expected].some(([id, value]) => state.get(id) !== value) || state.size !== expected.size) {
        if (Date.now() > deadline) break;
        await last.poll(1_000);
        apply(last);
      }
      const missing = [...expected.keys()].filter((id) => !state.has(id));
      const stale = [...expected].filter(([id, value]) => state.has(id) && state.get(id) !== value).map(([id]) => id);
      const readTwice = [...readCount].filter(([, count]) => count > 1).map(([id]) => id);
      const insertedTwice = [...insertCount].filter(([, count]) => count > 1).map(([id]) => id);
      const readAndInserted = [...readCount.keys()].filter((id) => insertCount.has(id));
      const neverSeen = [...expected.keys()].filter((id) => !seen.has(id));
      const aboveStart = [...expected.keys()].filter((id) => id > 2 * ROWS).length;
      const odd = [...expected.keys()].filter((id) => id % 2 === 1).length;
      process.stdout.write(
        `postgres-cdc snapshot crash trial: ${ROWS} rows, ${kills} kills during the snapshot, ${churn.transactions} concurrent write transactions ` +
          `(table at the end: ${expected.size} rows, ${odd} inserted inside the key range, ${aboveStart} above the start's largest key); ` +
          `${records} records delivered, ${readCount.size} rows read, ${insertCount.size} inserted, ${readTwice.length} read twice, ` +
          `${insertedTwice.length} inserted twice, ${readAndInserted.length} read and inserted, ${badFirst.length} first seen as a change, ` +
          `${neverSeen.length} never seen; rebuilt ${state.size} rows: ${missing.length} missing, ${stale.length} stale\n`,
      );
      expect(kills).toBe(KILLS);
      expect(readTwice.slice(0, 5)).toEqual([]);
      expect(insertedTwice.slice(0, 5)).toEqual([]);
      expect(readAndInserted.slice(0, 5)).toEqual([]);
      expect(badFirst.slice(0, 5)).toEqual([]);
      expect(neverSeen.slice(0, 5)).toEqual([]);
      expect(missing.slice(0, 5)).toEqual([]);
      expect(stale.slice(0, 5)).toEqual([]);
      expect(state.size).toBe(expected.size);
      await last.close();
    } finally {
      await churn.close();
    }
  }, 600_000);
});
