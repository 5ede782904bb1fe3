import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { LockstepError } from '../errors';
import { writeFileAtomic } from './atomic-file';
import { CHECKPOINT_FORMAT_VERSION, type CheckpointRecord } from './checkpoint-record';
import type { CheckpointStore } from './checkpoint-store';

const RECORD_PATTERN = /^chk-(\d{12})\.json$/;
const COUNTER_FILE = 'checkpoint-id.json';
const SAVEPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** File name of checkpoint `id`: zero-padded so names sort by id. */
export function checkpointFileName(id: number): string {
  return `chk-${String(id).padStart(12, '0')}.json`;
}

/**
 * Checkpoint store in a local folder: one `chk-<id>.json` per completed checkpoint (temp file + fsync + rename +
 * folder fsync), the last `retain` kept; `checkpoint-id.json` holds the next id; `savepoints/<name>.json` are kept
 * until deleted by hand.
 */
export class LocalCheckpointStore implements CheckpointStore {
  private nextId = 1;

  constructor(
    private readonly dir: string,
    private readonly retain: number,
  ) {
    if (retain < 1) throw new LockstepError('checkpoint.retain must be ≥ 1', { code: 'LS_CHECKPOINT_CONFIG' });
  }

  get location(): string {
    return this.dir;
  }

  async open(): Promise<void> {
    await mkdir(join(this.dir, 'savepoints'), { recursive: true });
    const counter = await this.readJson<{ next?: unknown }>(join(this.dir, COUNTER_FILE));
    const fromCounter = typeof counter?.next === 'number' ? counter.next : 1;
    const ids = await this.recordIds();
    // The counter is written before each trigger, but take the newest record into account too, in case the
    // counter file was lost or copied from elsewhere: ids must never go back.
    this.nextId = Math.max(fromCounter, (ids[0] ?? 0) + 1);
  }

  peekNextCheckpointId(): number {
    return this.nextId;
  }

  async reserveCheckpointId(): Promise<number> {
    const id = this.nextId;
    await writeFileAtomic(join(this.dir, COUNTER_FILE), JSON.stringify({ next: id + 1 }));
    this.nextId = id + 1;
    return id;
  }

  async save(record: CheckpointRecord): Promise<void> {
    await writeFileAtomic(join(this.dir, checkpointFileName(record.checkpointId)), JSON.stringify(record));
    const ids = await this.recordIds();
    await Promise.all(
      ids.slice(this.retain).map((id) => rm(join(this.dir, checkpointFileName(id)), { force: true })),
    );
  }

  async latest(): Promise<CheckpointRecord | undefined> {
    for (const id of await this.recordIds()) {
      const record = await this.readRecord(join(this.dir, checkpointFileName(id)));
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
    const path = join(this.dir, 'savepoints', `${name}.json`);
    await writeFileAtomic(path, JSON.stringify(record));
    return path;
  }

  async loadSavepoint(nameOrPath: string): Promise<CheckpointRecord> {
    const path =
      isAbsolute(nameOrPath) || nameOrPath.includes('/') ? nameOrPath : join(this.dir, 'savepoints', `${nameOrPath}.json`);
    const record = await this.readRecord(path);
    if (record === undefined) {
      throw new LockstepError(`savepoint not found or unreadable: ${path}`, { code: 'LS_CHECKPOINT_SAVEPOINT_MISSING' });
    }
    return record;
  }

  /** Ids of the stored checkpoint records, newest first. */
  private async recordIds(): Promise<number[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names
      .map((name) => RECORD_PATTERN.exec(name)?.[1])
      .filter((id): id is string => id !== undefined)
      .map(Number)
      .sort((a, b) => b - a);
  }

  private async readRecord(path: string): Promise<CheckpointRecord | undefined> {
    const record = await this.readJson<CheckpointRecord>(path);
    if (record === undefined) return undefined;
    if (record.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
      throw new LockstepError(
        `checkpoint ${path} has format version ${String(record.formatVersion)}; this lockstep reads ${CHECKPOINT_FORMAT_VERSION}`,
        { code: 'LS_CHECKPOINT_FORMAT' },
      );
    }
    return record;
  }

  private async readJson<T>(path: string): Promise<T | undefined> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new LockstepError(`checkpoint file ${path} is not valid JSON`, { code: 'LS_CHECKPOINT_CORRUPT', cause: error });
    }
  }
}
