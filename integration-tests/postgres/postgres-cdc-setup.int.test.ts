import { testServices } from '../env';
import { type CdcTestBed, eventOf, eventually, useCdcTestBed } from './postgres-cdc-fixtures';

/**
 * Setting up the postgres-cdc source without silent waits or races: a prepared transaction left open blocks the
 * slot's creation — named, bounded by slotCreateTimeout, cancelled on the server, and a close (SIGTERM) does not wait
 * for it; two sources starting together on one publication; tables added to the config after the publication exists.
 */
const { url } = testServices().postgres;

describe('postgres-cdc source setup', () => {
  let bed: CdcTestBed;
  useCdcTestBed(url, (created) => (bed = created));

  /** A prepared transaction holding an xid (what an in-doubt two-phase commit leaves), rolled back by `release`. */
  async function prepareTransaction(): Promise<{ gid: string; release: () => Promise<void> }> {
    const gid = `lockstep_test_${bed.suffix}`;
    await bed.sql(`BEGIN; INSERT INTO ${bed.table} VALUES (1000, 'in doubt', 0); PREPARE TRANSACTION '${gid}'`);
    return { gid, release: () => bed.sql(`ROLLBACK PREPARED '${gid}'`) };
  }

  /** Walsenders still running CREATE_REPLICATION_SLOT for this bed's slot. */
  async function creatingWalsenders(): Promise<number> {
    const result = await bed.admin.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'CREATE_REPLICATION_SLOT%' AND query LIKE $1", [
      `%${bed.slot}%`,
    ]);
    return Number(result.rows[0]?.n);
  }

  it('fails slot creation blocked by a prepared transaction after slotCreateTimeout, naming its gid, and leaves no walsender waiting', async () => {
    const prepared = await prepareTransaction();
    try {
      const run = await bed.run({ snapshot: 'initial', slotCreateTimeout: 2_000 });
      expect(await run.failure()).toMatchObject({
        code: 'LS_POSTGRES_CDC_SLOT_BLOCKED',
        retriable: true,
        message: expect.stringContaining(`prepared transaction '${prepared.gid}'`),
      });
      await eventually(async () => (await creatingWalsenders()) === 0, 'the cancelled CREATE_REPLICATION_SLOT to end on the server');
      expect(await bed.confirmedFlush()).toBeNull();
    } finally {
      await prepared.release();
    }
    // once the prepared transaction is gone, a new start creates the slot and snapshots
    await bed.sql(`INSERT INTO ${bed.table} VALUES (1, 'a', 0)`);
    const run = await bed.run({ snapshot: 'initial', slotCreateTimeout: 2_000 });
    const [read] = await run.readExactly(1);
    expect(eventOf(read!)).toMatchObject({ op: 'read', after: { id: 1, v: 'a', n: 0 } });
  });

  it('closes at once while slot creation waits (SIGTERM is honoured), cancelling the creation on the server', async () => {
    const prepared = await prepareTransaction();
    try {
      // the default slotCreateTimeout (2 min) is far beyond the test's timeout: only the close can end the wait
      const run = await bed.run({ snapshot: 'initial' });
      await run.poll(); // starts opening: polls return nothing while the slot's creation waits
      await eventually(async () => (await creatingWalsenders()) === 1, 'slot creation to wait');
      await run.poll(); // the reader task keeps polling (and serving checkpoints) meanwhile
      expect(run.delivered).toEqual([]);
      expect(JSON.parse(run.checkpoint(1))[0].data.progress).toBe('new');
      await run.close(); // resolves only once the opening ended: the wait was cancelled
      await eventually(async () => (await creatingWalsenders()) === 0, 'the cancelled CREATE_REPLICATION_SLOT to end on the server');
    } finally {
      await prepared.release();
    }
  });

  it('ends the waiting slot creation a killed run left on the server when the next run starts', async () => {
    const prepared = await prepareTransaction();
    try {
      const killed = await bed.run({ snapshot: 'never' });
      await killed.poll();
      await eventually(async () => (await creatingWalsenders()) === 1, 'slot creation to wait');
      // the killed run is gone (never closed, never polled again); its walsender keeps waiting on the server
      const next = await bed.run({ snapshot: 'never', slotCreateTimeout: 2_000 });
      expect(await next.failure()).toMatchObject({ code: 'LS_POSTGRES_CDC_SLOT_BLOCKED', message: expect.stringContaining(prepared.gid) });
      await eventually(async () => (await creatingWalsenders()) === 0, 'no CREATE_REPLICATION_SLOT left waiting on the server');
    } finally {
      await prepared.release();
    }
  });

  /** Drops the extra slots of a test (after closing its runs). */
  async function dropSlots(slots: readonly string[]): Promise<void> {
    for (const slot of slots) {
      await eventually(async () => {
        const held = await bed.admin.query<{ pid: number | null }>('SELECT active_pid AS pid FROM pg_replication_slots WHERE slot_name = $1', [slot]);
        if (held.rows.length === 0) return true;
        if (held.rows[0]!.pid !== null) return false;
        await bed.sql('SELECT pg_drop_replication_slot($1)', [slot]);
        return true;
      }, `slot ${slot} to be dropped`);
    }
  }

  it('lets several sources sharing a publication start together (the publication is created once, the others use it)', async () => {
    const slots = [1, 2, 3, 4].map((i) => `${bed.slot}_${i}`);
    const runs = await Promise.all(slots.map((slot) => bed.run({ slot, snapshot: 'never' })));
    try {
      // every reader opens at the same time: each checks for the publication, most find none and create it
      await Promise.all(runs.map((run) => run.readFor(300)));
      await bed.sql(`INSERT INTO ${bed.table} VALUES (1, 'a', 0)`);
      for (const run of runs) expect((await run.readExactly(1)).map((record) => record.key)).toEqual([{ id: 1 }]);
    } finally {
      for (const run of runs) await run.close();
      await dropSlots(slots);
    }
  });

  it('keeps the publication in step with tables: a table added to the config is added and snapshotted, a removed one dropped', async () => {
    const added = `${bed.table}_added`;
    await bed.createTable(added);
    await bed.sql(`INSERT INTO ${added} VALUES (1, 'before', 0)`);
    const first = await bed.run({ snapshot: 'initial' });
    await first.readFor(200);
    await first.close();
    const published = async (): Promise<string[]> =>
      (await bed.admin.query<{ t: string }>('SELECT tablename AS t FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1', [bed.publication])).rows.map(
        (row) => row.t,
      );
    expect(await published()).toEqual([bed.table]);

    const checkpoint = await (async () => {
      const run = await bed.run({ snapshot: 'initial' });
      await run.readFor(200);
      const state = run.checkpoint(1);
      await run.close();
      return state;
    })();
    const second = await bed.run({ snapshot: 'initial', tables: [bed.table, added] }, checkpoint);
    await second.readFor(200);
    expect(await published()).toEqual([bed.table, added].sort());
    // the added table's existing row is snapshotted (chunked, beside the stream), its new rows streamed
    await bed.sql(`INSERT INTO ${added} VALUES (2, 'after', 0)`);
    const records = await second.readExactly(2);
    // the chunk read runs beside the stream: the two rows' events (different keys) may come in either order
    const events = records.map((record) => [eventOf(record).op, eventOf(record).table, record.key] as const);
    expect([...events].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      ['insert', added, { id: 2 }],
      ['read', added, { id: 1 }],
    ]);
    await second.close();

    const third = await bed.run({ snapshot: 'initial', tables: [added] }, second.checkpoint(2));
    await third.readFor(200);
    expect(await published()).toEqual([added]);
  });
});
