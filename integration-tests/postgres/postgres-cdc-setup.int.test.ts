import { testServices } from '../env';
import { CdcTestBed, eventOf, eventually } from './postgres-cdc-fixtures';

/**
 * Setting up the postgres-cdc source without silent waits or races: a prepared transaction left open blocks the
 * slot's creation — named, bounded by slotCreateTimeout, cancelled on the server, and a close (SIGTERM) does not wait
 * for it; two sources starting together on one publication; tables added to the config after the publication exists.
 */
const { url } = testServices().postgres;

describe('postgres-cdc source setup', () => {
  let bed: CdcTestBed;

  beforeEach(async () => {
    bed = new CdcTestBed(url);
    await bed.connect();
    await bed.createTable();
  });

  afterEach(() => bed.cleanup());

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
});
