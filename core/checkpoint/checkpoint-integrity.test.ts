import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKPOINT_FORMAT_VERSION, type CheckpointRecord } from './checkpoint-record';
import { checkpointFileName, LocalCheckpointStore } from './local-checkpoint-store';
import { ownerFileName } from './store-ownership';

function record(checkpointId: number): CheckpointRecord {
  return { formatVersion: CHECKPOINT_FORMAT_VERSION, pipeline: 'p', checkpointId, kind: 'periodic', triggeredAt: 1, completedAt: 2, parallelism: {}, sources: {}, transforms: {}, sinks: {}, finished: false };
}

describe('LocalCheckpointStore integrity', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-integrity-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function storeWith(ids: number[]): Promise<LocalCheckpointStore> {
    const store = new LocalCheckpointStore(dir, 10);
    await store.open();
    for (const id of ids) {
      await store.reserveCheckpointId();
      await store.save(record(id));
    }
    return store;
  }

  it.each([
    ['{"formatVersion":1}', /field 'pipeline' is missing or malformed/],
    ['null', /expected a JSON object, found null/],
    ['{"formatVersion":2,"pipel', /not valid JSON/],
    ['[]', /expected a JSON object/],
    ['{"formatVersion":1,"pipeline":"p","checkpointId":2,"kind":"periodic","triggeredAt":1,"completedAt":2,"parallelism":{},"sources":{"s":{"splits":{}}},"transforms":{},"sinks":{},"finished":false}', /field 'sources'/],
  ])('refuses a damaged newest checkpoint %s as fatal LS_CHECKPOINT_CORRUPT naming the file, without falling back', async (text, why) => {
    const store = await storeWith([1, 2]);
    const path = join(dir, checkpointFileName(2));
    await writeFile(path, text);
    const latest = store.latest();
    await expect(latest).rejects.toMatchObject({ code: 'LS_CHECKPOINT_CORRUPT', retriable: false });
    await expect(latest).rejects.toThrow(path);
    await expect(latest).rejects.toThrow(why);
    await expect(latest).rejects.toThrow(/start deliberately .*--from-checkpoint <path>, --from-savepoint <name\|path>/);
  });

  it('detects a changed value by its checksum', async () => {
    const store = await storeWith([1]);
    const path = join(dir, checkpointFileName(1));
    await writeFile(path, (await readFile(path, 'utf8')).replace('"triggeredAt":1', '"triggeredAt":7'));
    await expect(store.latest()).rejects.toThrow(/checksum mismatch/);
  });

  it('loads a record of format version 1 (no checksum, no owner epoch) when its shape is valid', async () => {
    const store = await storeWith([]);
    await writeFile(join(dir, checkpointFileName(3)), JSON.stringify({ ...record(3), formatVersion: 1 }));
    expect((await store.latest())?.checkpointId).toBe(3);
  });

  it('refuses a record whose id is not its file name', async () => {
    const store = await storeWith([]);
    await writeFile(join(dir, checkpointFileName(3)), JSON.stringify({ ...record(4), formatVersion: 1 }));
    await expect(store.latest()).rejects.toMatchObject({ code: 'LS_CHECKPOINT_CORRUPT' });
  });

  it('refuses a damaged counter or owner file at open', async () => {
    await writeFile(join(dir, 'checkpoint-id.json'), 'null');
    await expect(new LocalCheckpointStore(dir, 1).open()).rejects.toMatchObject({ code: 'LS_CHECKPOINT_CORRUPT' });
    await expect(new LocalCheckpointStore(dir, 1).open()).rejects.toThrow(/checkpoint-id.json is damaged: expected a JSON object, found null/);
    await writeFile(join(dir, 'checkpoint-id.json'), '{"next":3}');
    await writeFile(join(dir, ownerFileName(9)), '{"epoch":9}');
    await expect(new LocalCheckpointStore(dir, 1).open()).rejects.toThrow(/owner-000000000009.json is damaged: not an owner record/);
  });

  it('knows the newest completed checkpoint after its records are gone, as soon as the record was saved', async () => {
    // No reservation after the last save: the counter is written by the save itself, before anything is committed.
    const store = await storeWith([1, 2]);
    await store.close();
    for (const name of await readdir(dir)) if (name === checkpointFileName(2)) await rm(join(dir, name));
    const reopened = new LocalCheckpointStore(dir, 10);
    await reopened.open();
    expect((await reopened.latest())?.checkpointId).toBe(1);
    expect(reopened.history()).toEqual({ empty: false, lastCompleted: 2, resetThrough: 0 });
    await rm(join(dir, checkpointFileName(1)));
    expect(await reopened.latest()).toBeUndefined();
    expect(reopened.history().lastCompleted).toBe(2);
  });

  it('is empty only without counter and records, until something is recorded', async () => {
    const store = new LocalCheckpointStore(dir, 10);
    await store.open();
    expect(store.history()).toEqual({ empty: true, lastCompleted: 0, resetThrough: 0 });
    await store.close();
    // A refused start records nothing: the next one still sees an empty store.
    const again = new LocalCheckpointStore(dir, 10);
    await again.open();
    expect(again.history().empty).toBe(true);
    await again.advanceCheckpointIds(0);
    expect(again.history().empty).toBe(false);
    expect(await again.reserveCheckpointId()).toBe(1);
    await again.close();
    const reopened = new LocalCheckpointStore(dir, 10);
    await reopened.open();
    expect(reopened.history().empty).toBe(false);
  });

  it('advances ids past what the sinks hold; reset abandons ids up to them', async () => {
    const store = await storeWith([1]);
    await store.advanceCheckpointIds(40);
    expect(store.peekNextCheckpointId()).toBe(41);
    await store.advanceCheckpointIds(7);
    expect(store.peekNextCheckpointId()).toBe(41);
    expect(await store.reset(55)).toBe(1);
    expect(store.history()).toEqual({ empty: false, lastCompleted: 0, resetThrough: 55 });
    expect(await store.reserveCheckpointId()).toBe(56);
    await store.close();
    const reopened = new LocalCheckpointStore(dir, 10);
    await reopened.open();
    expect(reopened.history()).toEqual({ empty: false, lastCompleted: 0, resetThrough: 55 });
  });

  it('starts fresh when no checkpoint ever completed (a crash before the first one)', async () => {
    const store = await storeWith([]);
    await store.reserveCheckpointId();
    await store.close();
    const reopened = new LocalCheckpointStore(dir, 10);
    await reopened.open();
    expect(await reopened.latest()).toBeUndefined();
  });

  it('reset deletes the checkpoints, keeps savepoints, and ids go on', async () => {
    const store = await storeWith([1, 2]);
    await store.saveSavepoint('keep', record(2));
    expect(await store.reset()).toBe(2);
    expect(await store.latest()).toBeUndefined();
    // Saving checkpoint 2 reserved id 3 for the next one: handed out, so abandoned too.
    expect(store.history()).toEqual({ empty: false, lastCompleted: 0, resetThrough: 3 });
    expect(await store.reserveCheckpointId()).toBe(4);
    expect((await store.loadSavepoint('keep')).checkpointId).toBe(2);
  });

  it('removes leftover temp files of its own at open, and no others', async () => {
    await mkdir(join(dir, 'savepoints'), { recursive: true });
    const own = ['.checkpoint-id.json.0123456789ab.tmp', '.chk-000000000001.json.abcdefabcdef.tmp'];
    for (const name of [...own, '.notes.txt.0123456789ab.tmp']) await writeFile(join(dir, name), 'x');
    await writeFile(join(dir, 'savepoints', '.s.json.0123456789ab.tmp'), 'x');
    await new LocalCheckpointStore(dir, 1).open();
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual(['.notes.txt.0123456789ab.tmp']);
    expect(await readdir(join(dir, 'savepoints'))).toEqual([]);
  });
});
