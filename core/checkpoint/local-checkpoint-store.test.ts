import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKPOINT_FORMAT_VERSION, type CheckpointRecord } from './checkpoint-record';
import { LocalCheckpointStore } from './local-checkpoint-store';

function record(checkpointId: number): CheckpointRecord {
  return {
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    pipeline: 'p',
    checkpointId,
    kind: 'periodic',
    triggeredAt: 1,
    completedAt: 2,
    parallelism: {},
    sources: {},
    transforms: {},
    sinks: {},
    finished: false,
  };
}

describe('LocalCheckpointStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-store-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("reserves the next checkpoint's id in the counter write of a save, so the reservation writes nothing", async () => {
    const store = new LocalCheckpointStore(dir, 3);
    await store.open();
    expect(await store.reserveCheckpointId()).toBe(1);
    await store.save(record(1));
    const counter = join(dir, 'checkpoint-id.json');
    const afterSave = await readFile(counter, 'utf8');
    expect(JSON.parse(afterSave)).toMatchObject({ next: 3, lastCompleted: 1 });
    expect(store.peekNextCheckpointId()).toBe(2);
    expect(await store.reserveCheckpointId()).toBe(2);
    expect(await readFile(counter, 'utf8')).toBe(afterSave);
    // Without a save in between, a reservation writes the counter again.
    expect(await store.reserveCheckpointId()).toBe(3);
    expect(JSON.parse(await readFile(counter, 'utf8'))).toMatchObject({ next: 4, lastCompleted: 1 });
    await store.close();
    // A restart never hands out the reserved id again.
    const reopened = new LocalCheckpointStore(dir, 3);
    await reopened.open();
    expect(await reopened.reserveCheckpointId()).toBe(4);
  });

  it('hands out strictly increasing ids, also across reopen', async () => {
    const first = new LocalCheckpointStore(dir, 3);
    await first.open();
    expect(await first.reserveCheckpointId()).toBe(1);
    expect(await first.reserveCheckpointId()).toBe(2);
    await first.close();
    const second = new LocalCheckpointStore(dir, 3);
    await second.open();
    expect(await second.reserveCheckpointId()).toBe(3);
  });

  it('never hands out the id of the newest stored record, nor the one it reserved, even if the counter is lost', async () => {
    const store = new LocalCheckpointStore(dir, 3);
    await store.open();
    await store.reserveCheckpointId();
    await store.save(record(41));
    await store.close();
    await rm(join(dir, 'checkpoint-id.json'));
    const reopened = new LocalCheckpointStore(dir, 3);
    await reopened.open();
    // Checkpoint 42 may have been triggered on the reservation of record 41 before the counter was written.
    expect(await reopened.reserveCheckpointId()).toBe(43);
  });

  it('keeps the last N records and returns the newest', async () => {
    const store = new LocalCheckpointStore(dir, 2);
    await store.open();
    for (const id of [1, 2, 3, 4]) await store.save(record(id));
    expect((await store.latest())?.checkpointId).toBe(4);
    const files = (await readdir(dir)).filter((name) => name.startsWith('chk-')).sort();
    expect(files).toEqual(['chk-000000000003.json', 'chk-000000000004.json']);
    expect(files.some((name) => name.endsWith('.tmp'))).toBe(false);
  });

  it('returns undefined when nothing completed', async () => {
    const store = new LocalCheckpointStore(dir, 2);
    await store.open();
    expect(await store.latest()).toBeUndefined();
  });

  it('keeps savepoints apart from retention and loads them by name or path', async () => {
    const store = new LocalCheckpointStore(dir, 1);
    await store.open();
    const path = await store.saveSavepoint('before-upgrade', record(7));
    for (const id of [8, 9]) await store.save(record(id));
    expect((await store.loadSavepoint('before-upgrade')).checkpointId).toBe(7);
    expect((await store.loadSavepoint(path)).checkpointId).toBe(7);
    await expect(store.loadSavepoint('nope')).rejects.toThrow(/savepoint not found/);
  });
});
