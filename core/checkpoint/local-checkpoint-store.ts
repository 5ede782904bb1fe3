import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { LockstepError } from '../errors';
import { removeTempFiles } from './atomic-file';
import { CHECKPOINT_FORMAT_VERSION, type CheckpointRecord } from './checkpoint-record';
import type { CheckpointStore, StoreHistory, StoreOpened, StoreOpenOptions } from './checkpoint-store';
import { checkCounter, checkRecord, sealJson, type CounterState } from './checkpoint-validation';
import { storageWriteError } from './storage-errors';
import { describeTakeOver, StoreOwnership } from './store-ownership';

const RECORD_PATTERN = /^chk-(\d{12})\.json$/;
const COUNTER_FILE = 'checkpoint-id.json';
const SAVEPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
/** Files of this store (their temp files are removed at open). */
const STORE_FILE = /^(chk-\d{12}\.json|checkpoint-id\.json|owner-\d{12}\.json)$/;

/** File name of checkpoint `id`: zero-padded so names sort by id. */
export function checkpointFileName(id: number): string {
  return `chk-${String(id).padStart(12, '0')}.json`;
}

/**
 * Checkpoint store in a local folder: one `chk-<id>.json` per completed checkpoint (temp file + fsync + rename +
 * folder fsync), the last `retain` kept; `checkpoint-id.json` holds the next id, the newest completed one (rewritten
 * after each record, before its commits), the ids a reset abandoned and the epoch of the owner that wrote it;
 * `savepoints/<name>.json` are kept until deleted by hand; `owner-<epoch>.json` says who owns the store, and every
 * write goes through the owner's scratch folder `.owner-<epoch>.scratch` (see {@link StoreOwnership}: a zombie's write
 * fails once it was taken over). Every file carries a checksum and is validated when read (see
 * checkpoint-validation.ts). A full disk is `LS_CHECKPOINT_NO_SPACE` naming the file.
 */
export class LocalCheckpointStore implements CheckpointStore {
  private nextId = 1;
  /** Newest checkpoint id known completed in this store (0: none), as the counter file says or this process saved. */
  private lastCompleted = 0;
  /** Ids up to this one were abandoned by a reset (0: none). */
  private resetThrough = 0;
  /** No counter and no record at open: nothing of an earlier run (until this process records something). */
  private empty = false;
  private ownership: StoreOwnership | undefined;
  /**
   * The id the last `save` reserved for the next checkpoint in the same counter write that recorded its completion
   * (one counter write per checkpoint, not two): `reserveCheckpointId` hands it out without writing.
   */
  private reservedAhead: number | undefined;

  constructor(
    private readonly dir: string,
    private readonly retain: number,
  ) {
    if (retain < 1) throw new LockstepError('checkpoint.retain must be ≥ 1', { code: 'LS_CHECKPOINT_CONFIG' });
  }

  get location(): string {
    return this.dir;
  }

  get ownerEpoch(): number | undefined {
    return this.ownership?.epoch;
  }

  async open(options: StoreOpenOptions = {}): Promise<StoreOpened> {
    await mkdir(join(this.dir, 'savepoints'), { recursive: true });
    const counter = await this.readCounter();
    const epochFloor = Math.max(counter?.ownerEpoch ?? 0, await this.newestRecordEpoch());
    const ownership = await StoreOwnership.acquire(this.dir, { epochFloor, takeOver: options.takeOver === true }).catch((error: unknown) => {
      throw storageWriteError(error, join(this.dir, 'owner-<epoch>.json'));
    });
    this.ownership = ownership;
    try {
      await removeTempFiles(this.dir, (target) => STORE_FILE.test(target));
      await removeTempFiles(join(this.dir, 'savepoints'), (target) => target.endsWith('.json'));
      const { counterFound, newest } = await this.refresh();
      this.empty = !counterFound && newest === 0;
    } catch (error) {
      // An open that failed (a damaged counter) does not keep the store: the next start must see the same error.
      await ownership.release().catch(() => undefined);
      throw error;
    }
    const tookOver = describeTakeOver(ownership);
    return { ownerEpoch: ownership.epoch, ...(tookOver === undefined ? {} : { tookOver }) };
  }

  async close(): Promise<void> {
    await this.ownership?.release();
  }

  history(): StoreHistory {
    return { empty: this.empty, lastCompleted: this.lastCompleted, resetThrough: this.resetThrough };
  }

  peekNextCheckpointId(): number {
    return this.reservedAhead !== undefined && this.reservedAhead === this.nextId - 1 ? this.reservedAhead : this.nextId;
  }

  async reserveCheckpointId(): Promise<number> {
    await this.verifyOwner();
    await this.refresh();
    const ahead = this.reservedAhead;
    this.reservedAhead = undefined;
    // Reserved by the last save and still the newest id handed out: the counter already lies past it, durably.
    if (ahead !== undefined && ahead === this.nextId - 1) return ahead;
    const id = this.nextId;
    await this.writeCounter(id + 1);
    this.nextId = id + 1;
    return id;
  }

  async save(record: CheckpointRecord, onDurable?: () => void): Promise<void> {
    await this.verifyOwner();
    const path = join(this.dir, checkpointFileName(record.checkpointId));
    await this.write(path, this.seal(record));
    // A zombie's write fails once its scratch folder is gone (see StoreOwnership); one that landed just before the
    // takeover is seen by the new owner. A takeover right after the write is caught here.
    await this.verifyOwner();
    this.lastCompleted = Math.max(this.lastCompleted, record.checkpointId);
    // The durable record reserves the id after its own (`refresh` never hands out ids below the newest record's + 2):
    // the next checkpoint can be triggered at once, without waiting for the counter write below.
    this.reservedAhead = undefined;
    if (this.nextId <= record.checkpointId + 1) {
      this.nextId = record.checkpointId + 2;
      this.reservedAhead = record.checkpointId + 1;
    }
    // Restorable from here on: `latest()` and the id checks read the records as well as the counter.
    onDurable?.();
    // Before anything of the checkpoint is committed, the counter knows it completed: a record removed later (by hand)
    // is then seen as missing, not silently skipped. It also carries the reservation above.
    await this.writeCounter(this.nextId);
    // Retention counts only records up to the one just written (this owner's newest): a record with a higher id
    // is none of this owner's and is left alone, and the record this owner now depends on is never pruned.
    const prunable = (await this.recordIds()).filter((id) => id <= record.checkpointId).slice(this.retain);
    if (prunable.length === 0) return;
    await this.verifyOwner();
    for (const id of prunable) rmSync(join(this.dir, checkpointFileName(id)), { force: true });
  }

  async latest(): Promise<CheckpointRecord | undefined> {
    await this.verifyOwner();
    await this.refresh();
    for (const id of await this.recordIds()) {
      const path = join(this.dir, checkpointFileName(id));
      const record = await this.readRecord(path, id);
      if (record !== undefined) return record;
    }
    return undefined;
  }

  async saveSavepoint(name: string, record: CheckpointRecord): Promise<string> {
    if (!SAVEPOINT_NAME.test(name)) {
      throw new LockstepError(`savepoint name '${name}' must match ${SAVEPOINT_NAME.source}`, {
        code: 'LS_CHECKPOINT_SAVEPOINT_NAME',
      });
    }
    await this.verifyOwner();
    const path = join(this.dir, 'savepoints', `${name}.json`);
    await this.write(path, this.seal(record));
    return path;
  }

  async loadSavepoint(nameOrPath: string): Promise<CheckpointRecord> {
    await this.verifyOwner();
    await this.refresh();
    const path =
      isAbsolute(nameOrPath) || nameOrPath.includes('/') ? nameOrPath : join(this.dir, 'savepoints', `${nameOrPath}.json`);
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new LockstepError(`savepoint not found or unreadable: ${path}`, { code: 'LS_CHECKPOINT_SAVEPOINT_MISSING', cause: error });
    });
    return checkRecord(path, text);
  }

  async reset(abandonThrough = 0): Promise<number> {
    this.reservedAhead = undefined;
    await this.verifyOwner();
    await this.refresh();
    const ids = await this.recordIds();
    await Promise.all(ids.map((id) => rm(join(this.dir, checkpointFileName(id)), { force: true })));
    this.lastCompleted = 0;
    // Ids go on past every id handed out and every id the sinks hold: sinks name their markers and files by it.
    this.resetThrough = Math.max(this.resetThrough, this.nextId - 1, abandonThrough);
    await this.writeCounter(this.resetThrough + 1);
    return ids.length;
  }

  async advanceCheckpointIds(past: number): Promise<void> {
    this.reservedAhead = undefined;
    await this.verifyOwner();
    await this.refresh();
    await this.writeCounter(Math.max(this.nextId, past + 1));
  }

  async verifyOwner(): Promise<void> {
    await this.owned().verify();
  }

  private owned(): StoreOwnership {
    if (this.ownership === undefined) throw new LockstepError(`checkpoint store ${this.dir} is not open`, { code: 'LS_INTERNAL' });
    return this.ownership;
  }

  /**
   * Writes a store file through the owner's scratch folder. A failed write of an owner that was taken over meanwhile
   * (its scratch folder removed) is `LS_CHECKPOINT_FENCED`; a full disk is `LS_CHECKPOINT_NO_SPACE` naming the path.
   */
  private async write(path: string, content: string): Promise<void> {
    const ownership = this.owned();
    try {
      await ownership.write(path, content);
    } catch (error) {
      await ownership.verify();
      throw storageWriteError(error, path);
    }
  }

  private seal(record: CheckpointRecord): string {
    return sealJson({ ...record, formatVersion: CHECKPOINT_FORMAT_VERSION, ownerEpoch: this.ownership?.epoch });
  }

  /**
   * Writes the counter with `next` (never below the in-memory next id) and what the store knows of its past. The write
   * blocks (see StoreOwnership.write), so two counter writes never overlap and the later one always lands last.
   */
  private async writeCounter(next: number): Promise<void> {
    this.nextId = Math.max(this.nextId, next);
    const reset = this.resetThrough > 0 ? { resetThrough: this.resetThrough } : {};
    const body = { next: this.nextId, lastCompleted: this.lastCompleted, ...reset, ownerEpoch: this.ownership?.epoch };
    await this.write(join(this.dir, COUNTER_FILE), sealJson(body));
    this.empty = false;
  }

  /** Owner epoch of the newest readable record (0 when none): a damaged one is reported by `latest()`, not here. */
  private async newestRecordEpoch(): Promise<number> {
    const [newest] = await this.recordIds();
    if (newest === undefined) return 0;
    const path = join(this.dir, checkpointFileName(newest));
    try {
      return checkRecord(path, await readFile(path, 'utf8')).ownerEpoch ?? 0;
    } catch {
      return 0;
    }
  }

  /** Re-reads the counter and the newest record id: ids never go back, whatever this process saw before. */
  private async refresh(): Promise<{ counterFound: boolean; newest: number }> {
    const counter = await this.readCounter();
    const [newest = 0] = await this.recordIds();
    // A record reserves the id after its own (see `save`).
    this.nextId = Math.max(this.nextId, counter?.next ?? 1, newest === 0 ? 1 : newest + 2);
    this.lastCompleted = Math.max(this.lastCompleted, counter?.lastCompleted ?? 0, newest);
    this.resetThrough = Math.max(this.resetThrough, counter?.resetThrough ?? 0);
    return { counterFound: counter !== undefined, newest };
  }

  // readCounter and recordIds block, like the writes (see StoreOwnership.write): they run at every trigger and save.
  private async readCounter(): Promise<CounterState | undefined> {
    const path = join(this.dir, COUNTER_FILE);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return checkCounter(path, text);
  }

  /** Ids of the stored checkpoint records, newest first. */
  private async recordIds(): Promise<number[]> {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      names = [];
    }
    return names
      .map((name) => RECORD_PATTERN.exec(name)?.[1])
      .filter((id): id is string => id !== undefined)
      .map(Number)
      .sort((a, b) => b - a);
  }

  /** Reads checkpoint `id`; undefined when it vanished meanwhile. A damaged newest record is refused, never skipped. */
  private async readRecord(path: string, id: number): Promise<CheckpointRecord | undefined> {
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (text === undefined) return undefined;
    try {
      const record = checkRecord(path, text);
      if (record.checkpointId !== id) throw new LockstepError(`${path} holds checkpoint ${record.checkpointId}`, { code: 'LS_CHECKPOINT_CORRUPT' });
      return record;
    } catch (error) {
      if (!LockstepError.is(error) || error.code !== 'LS_CHECKPOINT_CORRUPT') throw error;
      throw new LockstepError(
        `${error.message}. It is the newest checkpoint: lockstep does not fall back past it on its own, as the sinks may ` +
          'hold what it committed. To go on, start deliberately from an older checkpoint file or a savepoint ' +
          '(--from-checkpoint <path>, --from-savepoint <name|path>), or remove the file: the next start then falls back ' +
          'to the previous checkpoint only if the sinks prove that nothing of this one was committed.',
        { code: 'LS_CHECKPOINT_CORRUPT', cause: error, context: { file: path } },
      );
    }
  }
}
