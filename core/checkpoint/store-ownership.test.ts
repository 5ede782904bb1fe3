import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKPOINT_FORMAT_VERSION, type CheckpointRecord } from './checkpoint-record';
import { sealJson } from './checkpoint-validation';
import { LocalCheckpointStore } from './local-checkpoint-store';
import { ownerFileName, scratchDirName, StoreOwnership, type OwnerRecord } from './store-ownership';

function record(checkpointId: number): CheckpointRecord {
  return { formatVersion: CHECKPOINT_FORMAT_VERSION, pipeline: 'p', checkpointId, kind: 'periodic', triggeredAt: 1, completedAt: 2, parallelism: {}, sources: {}, transforms: {}, sinks: {}, finished: false };
}

/** The pid of a process that ran and exited. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '']).pid;
  if (pid === undefined) throw new Error('no pid');
  return pid;
}

/** Makes owner `epoch` of the store in `dir` look like a process that died (as another process would see it). */
async function ownerDied(dir: string, epoch: number): Promise<void> {
  const path = join(dir, ownerFileName(epoch));
  const { checksum: _checksum, ...owner } = JSON.parse(await readFile(path, 'utf8')) as OwnerRecord & { checksum: string };
  await writeFile(path, sealJson({ ...owner, pid: deadPid() }));
}

describe('LocalCheckpointStore ownership', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-owner-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('refuses a second open while the owner lives, naming pid, host and since', async () => {
    const first = new LocalCheckpointStore(dir, 3);
    await first.open();
    const second = new LocalCheckpointStore(dir, 3);
    const refused = second.open();
    await expect(refused).rejects.toMatchObject({ code: 'LS_CHECKPOINT_OWNED' });
    await expect(refused).rejects.toThrow(new RegExp(`owned by pid ${process.pid} on ${hostname()} since \\d{4}-.*already running`));
    await first.close();
    await second.open();
    expect(second.ownerEpoch).toBe(2);
  });

  it('takes over from a dead owner with a greater epoch', async () => {
    const first = new LocalCheckpointStore(dir, 3);
    await first.open();
    expect(first.ownerEpoch).toBe(1);
    await ownerDied(dir, 1);
    const second = new LocalCheckpointStore(dir, 3);
    await second.open();
    expect(second.ownerEpoch).toBe(2);
  });

  it('takes over from a reused pid: same pid, another process start time', async () => {
    const owner = { epoch: 4, pid: process.pid, host: hostname(), since: '2026-01-01T00:00:00.000Z', processStart: '1' };
    await writeFile(join(dir, ownerFileName(4)), sealJson(owner));
    const store = new LocalCheckpointStore(dir, 3);
    await store.open();
    expect(store.ownerEpoch).toBe(5);
  });

  it('fences a zombie after a takeover: every write fails, for good', async () => {
    const zombie = new LocalCheckpointStore(dir, 1);
    await zombie.open();
    expect(await zombie.reserveCheckpointId()).toBe(1);
    await zombie.save(record(1));
    await ownerDied(dir, 1);
    const successor = new LocalCheckpointStore(dir, 1);
    await successor.open();
    // The zombie's save of checkpoint 1 reserved id 2 for its next checkpoint (in the same counter write).
    expect(await successor.reserveCheckpointId()).toBe(3);
    await expect(zombie.reserveCheckpointId()).rejects.toMatchObject({ code: 'LS_CHECKPOINT_FENCED' });
    await expect(zombie.save(record(4))).rejects.toMatchObject({ code: 'LS_CHECKPOINT_FENCED' });
    await expect(zombie.saveSavepoint('late', record(4))).rejects.toMatchObject({ code: 'LS_CHECKPOINT_FENCED' });
    await successor.save(record(3));
    await zombie.close();
    expect(await readdir(dir)).toEqual(expect.arrayContaining(['chk-000000000003.json', ownerFileName(2)]));
    expect((await successor.latest())?.ownerEpoch).toBe(2);
  });

  it('takes a greater epoch also when the newest owner file was deleted by hand, and fences its owner', async () => {
    const first = new LocalCheckpointStore(dir, 3);
    await first.open();
    await ownerDied(dir, 1);
    const second = new LocalCheckpointStore(dir, 3);
    await second.open();
    expect(second.ownerEpoch).toBe(2);
    expect(await second.reserveCheckpointId()).toBe(1);
    // The operator deletes the owner file of the (paused) owner, as the refusal on another host used to advise.
    await rm(join(dir, ownerFileName(2)));
    const third = new LocalCheckpointStore(dir, 3);
    await third.open();
    expect(third.ownerEpoch).toBe(3);
    expect(await third.reserveCheckpointId()).toBe(2);
    await expect(second.reserveCheckpointId()).rejects.toMatchObject({ code: 'LS_CHECKPOINT_FENCED' });
  });

  it('fences an owner whose epoch was taken again (same number, another owner)', async () => {
    const first = new LocalCheckpointStore(dir, 3);
    await first.open();
    const path = join(dir, ownerFileName(1));
    const { checksum: _checksum, ...owner } = JSON.parse(await readFile(path, 'utf8')) as OwnerRecord & { checksum: string };
    await writeFile(path, sealJson({ ...owner, token: 'another-owner' }));
    await expect(first.reserveCheckpointId()).rejects.toMatchObject({ code: 'LS_CHECKPOINT_FENCED' });
  });

  it('--take-over displaces a live owner, which is fenced, and says whom it displaced', async () => {
    const hung = new LocalCheckpointStore(dir, 3);
    await hung.open();
    expect(await hung.reserveCheckpointId()).toBe(1);
    const successor = new LocalCheckpointStore(dir, 3);
    const opened = await successor.open({ takeOver: true });
    expect(opened.ownerEpoch).toBe(2);
    expect(opened.tookOver).toMatch(new RegExp(`^took the store over from pid ${process.pid} on ${hostname()} since .* \\(owner epoch 1\\) as owner epoch 2$`));
    await expect(hung.save(record(1))).rejects.toMatchObject({ code: 'LS_CHECKPOINT_FENCED' });
    await expect(hung.latest()).rejects.toMatchObject({ code: 'LS_CHECKPOINT_FENCED' });
    expect(await successor.reserveCheckpointId()).toBe(2);
    // Without a live owner, --take-over is a plain start.
    await successor.close();
    expect((await new LocalCheckpointStore(dir, 3).open({ takeOver: true })).tookOver).toBeUndefined();
  });

  it("a zombie's write already under way fails once taken over: it cannot put an older counter back", async () => {
    const zombie = await StoreOwnership.acquire(dir, { epochFloor: 0 });
    const counter = join(dir, 'checkpoint-id.json');
    await zombie.write(counter, sealJson({ next: 5, lastCompleted: 4 }));
    const successor = await StoreOwnership.acquire(dir, { epochFloor: 0, takeOver: true });
    expect(successor.epoch).toBe(2);
    await successor.write(counter, sealJson({ next: 9, lastCompleted: 8 }));
    // The zombie was past its ownership check: its temp file's folder is gone, so the rename cannot happen.
    await expect(zombie.write(counter, sealJson({ next: 6, lastCompleted: 5 }))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(JSON.parse(await readFile(counter, 'utf8'))).toMatchObject({ next: 9 });
    expect((await readdir(dir)).filter((name) => name.endsWith('.scratch'))).toEqual([scratchDirName(2)]);
    await expect(zombie.verify()).rejects.toMatchObject({ code: 'LS_CHECKPOINT_FENCED' });
  });

  it('refuses an owner on another host, advising --take-over', async () => {
    const owner = { epoch: 3, pid: 1, host: 'elsewhere', since: '2026-01-01T00:00:00.000Z' };
    await writeFile(join(dir, ownerFileName(3)), sealJson(owner));
    await expect(new LocalCheckpointStore(dir, 3).open()).rejects.toThrow(/owned by pid 1 on elsewhere .*cannot be checked from .*--take-over/);
    expect((await new LocalCheckpointStore(dir, 3).open({ takeOver: true })).ownerEpoch).toBe(4);
  });

  it('of two stores racing for one directory, exactly one wins', async () => {
    const stores = [1, 2, 3, 4].map(() => new LocalCheckpointStore(dir, 1));
    const results = await Promise.allSettled(stores.map((store) => store.open()));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'LS_CHECKPOINT_OWNED' });
  });

  it('re-reads the counter on restore: ids never go back within one process', async () => {
    const store = new LocalCheckpointStore(dir, 3);
    await store.open();
    expect(await store.reserveCheckpointId()).toBe(1);
    await writeFile(join(dir, 'checkpoint-id.json'), sealJson({ next: 50, lastCompleted: 0 }));
    await store.latest();
    expect(store.peekNextCheckpointId()).toBe(50);
    expect(await store.reserveCheckpointId()).toBe(50);
  });

  it('retain prunes only records older than the one just written, never a newer one', async () => {
    const store = new LocalCheckpointStore(dir, 1);
    await store.open();
    await store.save(record(20));
    await store.save(record(10));
    const files = (await readdir(dir)).filter((name) => name.startsWith('chk-')).sort();
    expect(files).toEqual(['chk-000000000010.json', 'chk-000000000020.json']);
    await store.save(record(21));
    expect((await readdir(dir)).filter((name) => name.startsWith('chk-'))).toEqual(['chk-000000000021.json']);
  });
});
