import type { LockstepRecord } from '../../core/api/record';
import { testServices } from '../env';
import { type CdcTestBed, describeChange, eventOf, eventually, useCdcTestBed } from './postgres-cdc-fixtures';

/**
 * The postgres-cdc source against a real server: change events in commit order with before/after images and value
 * types, resuming from a checkpoint taken inside a transaction, the slot confirmed only up to completed checkpoints,
 * the initial snapshot handing over to streaming, a restart during the snapshot, heartbeats on an idle database, and a
 * table without a primary key.
 */
const { url } = testServices().postgres;
const changes = (records: readonly LockstepRecord[]): string[] => records.map(describeChange);
const lsnValue = (text: string): bigint => {
  const [high, low] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
};

describe('postgres-cdc source', () => {
  let bed: CdcTestBed;
  useCdcTestBed(url, (created) => (bed = created));

  it('emits inserts, updates and deletes in commit order with before and after images', async () => {
    await bed.createPublicationAndSlot();
    const t = bed.table;
    await bed.transaction([`INSERT INTO ${t} VALUES (1, 'a', 10)`, `INSERT INTO ${t} VALUES (2, 'b', 20)`]);
    await bed.sql(`UPDATE ${t} SET v = 'a2' WHERE id = 1`);
    await bed.sql(`UPDATE ${t} SET id = 3 WHERE id = 2`);
    await bed.sql(`ALTER TABLE ${t} REPLICA IDENTITY FULL`);
    await bed.sql(`UPDATE ${t} SET n = 11 WHERE id = 1`);
    await bed.sql(`DELETE FROM ${t} WHERE id = 3`);
    await bed.sql(`ALTER TABLE ${t} REPLICA IDENTITY DEFAULT`);
    await bed.sql(`DELETE FROM ${t} WHERE id = 1`);

    const run = await bed.run();
    const records = await run.readUntil((delivered) => delivered.length >= 8);
    // the key change 2 → 3 comes as the old key's delete, then the update
    expect(changes(records)).toEqual(['insert:1:a', 'insert:2:b', 'update:1:a2', 'delete:2', 'update:3:b', 'update:1:a2', 'delete:3:b', 'delete:1']);
    const events = records.map(eventOf);
    expect(events.map((event) => [event.before, event.after])).toEqual([
      [null, { id: 1, v: 'a', n: 10 }],
      [null, { id: 2, v: 'b', n: 20 }],
      [null, { id: 1, v: 'a2', n: 10 }], // REPLICA IDENTITY DEFAULT, key unchanged: no old image
      [{ id: 2 }, null], // the key changed: the old key's delete…
      [{ id: 2 }, { id: 3, v: 'b', n: 20 }], // …and the update, with the old key
      [{ id: 1, v: 'a2', n: 10 }, { id: 1, v: 'a2', n: 11 }], // FULL: the whole old row
      [{ id: 3, v: 'b', n: 20 }, null],
      [{ id: 1 }, null],
    ]);
    expect(records.map((record) => record.key)).toEqual([{ id: 1 }, { id: 2 }, { id: 1 }, { id: 2 }, { id: 3 }, { id: 1 }, { id: 3 }, { id: 1 }]);
    for (const event of events) expect(event).toMatchObject({ schema: 'public', table: bed.table });
    // one transaction: same xid, commit LSN and time; later transactions commit later
    expect(events[0]!.xid).toBe(events[1]!.xid);
    expect(events[0]!.commitLsn).toBe(events[1]!.commitLsn);
    expect(events[2]!.xid).not.toBe(events[0]!.xid);
    expect(events[3]!.xid).toBe(events[4]!.xid);
    const commitLsns = events.map((event) => lsnValue(event.commitLsn));
    expect(commitLsns).toEqual([...commitLsns].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(Date.parse(events[0]!.commitTime!)).toBe(records[0]!.timestamp);
    expect(Math.abs(records[0]!.timestamp! - Date.now())).toBeLessThan(60_000);
    await run.close();
  });

  it('converts common column types', async () => {
    const table = `${bed.table}_types`;
    await bed.sql(
      `CREATE TABLE ${table} (id bigint PRIMARY KEY, small int2, big int8, f float8, amount numeric(30, 10), ok bool, doc jsonb, j json,
        at timestamp, atz timestamptz, u uuid, raw bytea, d date, tags text[])`,
    );
    await bed.sql(`CREATE PUBLICATION ${bed.publication} FOR TABLE ${table}`);
    await bed.sql("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [bed.slot]);
    await bed.sql(
      `INSERT INTO ${table} VALUES (9007199254740993, -3, 42, 1.5, 12345678901234567890.0123456789, true, '{"a": [1, {"b": null}]}', '[1,2]',
        '2024-05-06 07:08:09.123456', '2024-05-06 09:08:09.5+02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff', '2024-02-29', '{x,y}')`,
    );
    await bed.sql(`UPDATE ${table} SET ok = false, doc = NULL`);
    try {
      const run = await bed.run({ tables: [table] });
      const [insert, update] = await run.readUntil((delivered) => delivered.length >= 2);
      expect(eventOf(insert!).after).toEqual({
        id: '9007199254740993',
        small: -3,
        big: 42,
        f: 1.5,
        amount: '12345678901234567890.0123456789',
        ok: true,
        doc: '{"a": [1, {"b": null}]}',
        j: '[1,2]',
        at: '2024-05-06T07:08:09.123456',
        atz: '2024-05-06T07:08:09.5Z',
        u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        raw: Buffer.from([0, 255]).toString('base64'),
        d: '2024-02-29',
        tags: '{x,y}',
      });
      expect(insert!.key).toEqual({ id: '9007199254740993' });
      expect(eventOf(update!).after).toMatchObject({ ok: false, doc: null });
      await run.close();
    } finally {
      await bed.sql(`DROP PUBLICATION IF EXISTS ${bed.publication}`);
      await bed.sql(`DROP TABLE ${table}`);
    }
  });

  it('resumes from a checkpoint taken inside a transaction without loss or duplicates', async () => {
    await bed.createPublicationAndSlot();
    for (let batch = 0; batch < 4; batch += 1) {
      await bed.transaction(Array.from({ length: 10 }, (_, i) => `INSERT INTO ${bed.table} VALUES (${batch * 10 + i}, 'v', 0)`));
    }
    const first = await bed.run();
    await first.readExactly(15); // 1½ transactions
    const checkpoint = first.checkpoint(1);
    expect(JSON.parse(checkpoint)[0].data.progress.partial.emitted).toBe(5);
    const beforeCheckpoint = changes(first.delivered);
    await first.readUntil((delivered) => delivered.length >= 25); // read on, then crash without close

    const second = await bed.run({}, checkpoint);
    await bed.sql(`INSERT INTO ${bed.table} VALUES (100, 'late', 0)`);
    const rest = changes(await second.readUntil((delivered) => delivered.length >= 26));
    const all = [...beforeCheckpoint, ...rest];
    const expected = [...Array.from({ length: 40 }, (_, id) => `insert:${id}:v`), 'insert:100:late'];
    expect(all).toEqual(expected);
    expect(await second.readFor(300)).toEqual([]);
  });

  it('confirms the slot only up to the last completed checkpoint', async () => {
    await bed.createPublicationAndSlot();
    const created = await bed.confirmedFlush();
    await bed.sql(`INSERT INTO ${bed.table} SELECT g, 'a', 0 FROM generate_series(1, 5) g`);
    const run = await bed.run();
    await run.readUntil((delivered) => delivered.length >= 5);
    await run.readFor(300);
    const checkpoint1 = JSON.parse(run.checkpoint(1))[0].data.progress.lsn as string;
    expect(checkpoint1).not.toBe(created);
    await run.readFor(600); // three status intervals
    expect(await bed.confirmedFlush()).toBe(created); // taken, not completed
    await run.complete(1);
    await eventually(async () => (await bed.confirmedFlush()) === checkpoint1, 'the slot to be confirmed up to checkpoint 1');

    // checkpoints 2 and 3 cover later transactions, but are never completed: status updates go on, the slot stays
    await bed.sql(`INSERT INTO ${bed.table} SELECT g, 'b', 0 FROM generate_series(6, 10) g`);
    await run.readUntil((delivered) => delivered.length >= 8, 20_000, 3);
    run.checkpoint(2);
    await bed.sql(`INSERT INTO ${bed.table} VALUES (11, 'c', 0)`);
    await run.readUntil((delivered) => delivered.length >= 11);
    const checkpoint3 = JSON.parse(run.checkpoint(3))[0].data.progress.lsn as string;
    expect(checkpoint3).not.toBe(checkpoint1);
    await run.readFor(1_000); // five status intervals
    expect(await bed.confirmedFlush()).toBe(checkpoint1);

    // a restore from checkpoint 1 gets everything after it again
    await run.close();
    const restored = await bed.run({}, JSON.stringify([{ version: 1, data: { splitId: bed.slot, progress: { lsn: checkpoint1 } } }]));
    expect(changes(await restored.readUntil((delivered) => delivered.length >= 6))).toEqual([
      'insert:6:b',
      'insert:7:b',
      'insert:8:b',
      'insert:9:b',
      'insert:10:b',
      'insert:11:c',
    ]);
    await restored.complete(99); // a checkpoint the reader never took confirms nothing
    await restored.readFor(500);
    expect(await bed.confirmedFlush()).toBe(checkpoint1);
  });

  it('refuses to resume a checkpoint older than what the slot was confirmed to', async () => {
    await bed.createPublicationAndSlot();
    await bed.sql(`INSERT INTO ${bed.table} VALUES (1, 'a', 0)`);
    const run = await bed.run();
    await run.readUntil((delivered) => delivered.length >= 1);
    await run.readFor(300);
    const old = run.checkpoint(1);
    await bed.sql(`INSERT INTO ${bed.table} VALUES (2, 'b', 0)`);
    await run.readUntil((delivered) => delivered.length >= 2);
    await run.readFor(300);
    const newer = JSON.parse(run.checkpoint(2))[0].data.progress.lsn as string;
    await run.complete(2);
    await eventually(async () => (await bed.confirmedFlush()) === newer, 'the slot to be confirmed up to checkpoint 2');
    await run.close();
    const stale = await bed.run({}, old);
    expect(await stale.failure()).toMatchObject({ code: 'LS_POSTGRES_CDC_POSITION_LOST' });
  });

  it('takes an initial snapshot and streams on from its consistent point: no gap, no overlap', async () => {
    await bed.sql(`INSERT INTO ${bed.table} SELECT g, 'old', 0 FROM generate_series(1, 30) g`);
    const run = await bed.run({ snapshot: 'initial' });
    await run.readUntil((delivered) => delivered.length >= 5, 20_000, 5);
    // changed once the snapshot's chunk was read: streamed after it
    await bed.sql(`INSERT INTO ${bed.table} VALUES (31, 'new', 0)`);
    await bed.sql(`UPDATE ${bed.table} SET v = 'changed' WHERE id = 2`);
    await bed.sql(`DELETE FROM ${bed.table} WHERE id = 30`);
    const records = await run.readUntil((delivered) => delivered.length >= 33);
    const reads = records.slice(0, 30);
    expect(reads.map(describeChange).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `read:${i + 1}:old`).sort());
    expect(eventOf(reads[0]!)).toMatchObject({ op: 'read', before: null, xid: null, commitTime: null });
    expect(changes(records.slice(30))).toEqual(['insert:31:new', 'update:2:changed', 'delete:30']);
    expect(await run.readFor(300)).toEqual([]);
    // the snapshot is done: the checkpoint holds the stream position only
    expect(JSON.parse(run.checkpoint(1))[0].data.progress).not.toHaveProperty('snapshot');
  });

  it('resumes the snapshot after a crash at the last chunk emitted: no row read twice, none missed', async () => {
    await bed.sql(`INSERT INTO ${bed.table} SELECT g, 'old', 0 FROM generate_series(1, 20) g`);
    const first = await bed.run({ snapshot: 'initial', snapshotChunkSize: 4 });
    await first.readUntil((delivered) => delivered.length >= 8, 20_000, 4);
    const checkpoint = first.checkpoint(1);
    const before = first.delivered.map(describeChange);
    const progress = JSON.parse(checkpoint)[0].data.progress;
    expect(progress.snapshot).toEqual({ tables: [`public.${bed.table}`], after: [String(before.length)] }); // chunks of 4, in key order
    await bed.sql(`UPDATE ${bed.table} SET v = 'changed' WHERE id IN (1, 15)`); // one row read before the crash, one after
    // crash: first is dropped without close, its connections still open
    const second = await bed.run({ snapshot: 'initial', snapshotChunkSize: 4 }, checkpoint);
    await second.readUntil((delivered) => delivered.filter((record) => eventOf(record).op === 'read').length >= 20 - before.length);
    // above every key at the start: read by the table's last chunk if it is still to come, else streamed; once either way
    await bed.sql(`INSERT INTO ${bed.table} VALUES (21, 'new', 0)`);
    const records = await second.readUntil((delivered) => delivered.some((record) => (eventOf(record).after as { id?: number } | null)?.id === 21));
    const reads = [...before, ...records.map(describeChange).filter((change) => change.startsWith('read:') && change !== 'read:21:new')];
    expect(reads.map((read) => Number(read.split(':')[1])).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // row 1 was read before the crash: its update comes; row 15 was not: its update is held back, its read has the change
    expect(reads).toEqual(expect.arrayContaining(['read:1:old', 'read:15:changed']));
    const streamed = records.map(describeChange).filter((change) => !change.startsWith('read:') && change !== 'insert:21:new');
    expect(streamed).toEqual(['update:1:changed']);
    expect(records.map(describeChange).filter((change) => change.endsWith(':21:new'))).toHaveLength(1);
  });

  it('moves an idle slot forward with heartbeats', async () => {
    await bed.createPublicationAndSlot();
    const peekSlot = `${bed.slot}_peek`;
    await bed.sql("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [peekSlot]);
    const heartbeatLsns = async (): Promise<bigint[]> => {
      const peeked = await bed.admin.query<{ lsn: string; data: Buffer }>(
        `SELECT lsn::text, data FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2, 'messages', 'true')`,
        [peekSlot, bed.publication],
      );
      return peeked.rows.filter((row) => row.data.includes('lockstep-heartbeat')).map((row) => lsnValue(row.lsn));
    };
    try {
      const run = await bed.run({ heartbeatInterval: 100 });
      let id = 0;
      // the WAL holds heartbeat messages (pgoutput forwards them only when asked for messages, lockstep does not)
      // and the slot is confirmed past one of them, with no published table changed
      await eventually(async () => {
        await run.readFor(200);
        id += 1;
        run.checkpoint(id);
        await run.complete(id);
        const [firstBeat] = await heartbeatLsns();
        const confirmed = await bed.confirmedFlush();
        return firstBeat !== undefined && confirmed !== null && lsnValue(confirmed) > firstBeat;
      }, 'the idle slot to be confirmed past a heartbeat');
      expect(run.delivered).toEqual([]);
    } finally {
      await bed.sql('SELECT pg_drop_replication_slot($1)', [peekSlot]);
    }
  });

  it('refuses a published table without a primary key, naming it', async () => {
    const keyless = `${bed.table}_nokey`;
    await bed.sql(`CREATE TABLE ${keyless} (v text)`);
    try {
      const run = await bed.run({ tables: [bed.table, keyless] });
      expect(await run.failure()).toMatchObject({ code: 'LS_POSTGRES_CDC_NO_PRIMARY_KEY', message: expect.stringContaining(`public.${keyless}`) });
    } finally {
      await bed.sql(`DROP PUBLICATION IF EXISTS ${bed.publication}`);
      await bed.sql(`DROP TABLE ${keyless}`);
    }
  });
});
