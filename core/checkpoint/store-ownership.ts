import { link, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { LockstepError } from '../errors';
import { fsyncDirectory, tempPathFor, writeFileAtomic } from './atomic-file';
import { corrupt, sealJson, unsealJson } from './checkpoint-validation';

const OWNER_PATTERN = /^owner-(\d{12})\.json$/;

/** File name of owner epoch `epoch`. */
export function ownerFileName(epoch: number): string {
  return `owner-${String(epoch).padStart(12, '0')}.json`;
}

/** Who owns (or owned) a checkpoint store at one epoch. */
export interface OwnerRecord {
  readonly epoch: number;
  readonly pid: number;
  readonly host: string;
  /** ISO time the owner took the store. */
  readonly since: string;
  /** The owner process's start time (field 22 of /proc/<pid>/stat), to tell a reused pid apart; absent off Linux. */
  readonly processStart?: string;
  /** Set when the owner closed the store cleanly. */
  readonly released?: boolean;
}

/** Start time of process `pid` in clock ticks since boot (Linux), or undefined when not available. */
async function processStart(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the owner process of `owner` is still running (only answerable on the same host). */
async function ownerAlive(owner: OwnerRecord): Promise<boolean> {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const started = await processStart(owner.pid);
  // Same pid but another start time: the pid was reused by an unrelated process after the owner died.
  return owner.processStart === undefined || started === undefined || started === owner.processStart;
}

/** Owner epochs present in `dir`, newest first. */
async function ownerEpochs(dir: string): Promise<number[]> {
  const names = await readdir(dir);
  return names.flatMap((name) => {
    const match = OWNER_PATTERN.exec(name);
    return match === null ? [] : [Number(match[1])];
  }).sort((a, b) => b - a);
}

async function readOwner(dir: string, epoch: number): Promise<OwnerRecord> {
  const path = join(dir, ownerFileName(epoch));
  const { body } = unsealJson(path, await readFile(path, 'utf8'));
  const valid = body.epoch === epoch && Number.isSafeInteger(body.pid) && typeof body.host === 'string' && typeof body.since === 'string';
  if (!valid) throw corrupt(path, 'not an owner record');
  return body as unknown as OwnerRecord;
}

function refuse(dir: string, owner: OwnerRecord, why: string): LockstepError {
  return new LockstepError(
    `checkpoint store ${dir} is owned by pid ${owner.pid} on ${owner.host} since ${owner.since} (owner epoch ${owner.epoch}): ` +
      `this pipeline is already running. ${why}`,
    { code: 'LS_CHECKPOINT_OWNED', context: { pid: owner.pid, host: owner.host, since: owner.since, epoch: owner.epoch } },
  );
}

/**
 * Ownership of a local checkpoint store: one `owner-<epoch>.json` per owner, the newest one current. Taking the store
 * creates the next epoch's file exclusively (written to a temp file, then hard-linked: `link` fails when the name
 * exists, so of two processes racing for the same epoch exactly one wins, and the file is never seen half-written).
 * A live owner on this host (pid running, same start time) is refused; a dead or released one is taken over. Every
 * write of the store first checks that no newer epoch exists: a zombie that was taken over is fenced.
 */
export class StoreOwnership {
  private fenced = false;
  private released = false;

  private constructor(
    private readonly dir: string,
    readonly owner: OwnerRecord,
  ) {}

  /** Takes the store in `dir`. @throws LS_CHECKPOINT_OWNED when a live process owns it. */
  static async acquire(dir: string): Promise<StoreOwnership> {
    for (;;) {
      const [newest] = await ownerEpochs(dir);
      if (newest !== undefined) {
        const current = await readOwner(dir, newest);
        if (current.released !== true) {
          if (current.host !== hostname()) {
            throw refuse(dir, current, `Its liveness cannot be checked from ${hostname()}: if it is gone, delete ${join(dir, ownerFileName(newest))}.`);
          }
          if (await ownerAlive(current)) throw refuse(dir, current, 'Stop it first (SIGTERM takes a savepoint).');
        }
      }
      const owner: OwnerRecord = { epoch: (newest ?? 0) + 1, pid: process.pid, host: hostname(), since: new Date().toISOString(), ...optional(await processStart(process.pid)) };
      if (await createExclusive(join(dir, ownerFileName(owner.epoch)), sealJson(owner))) {
        await Promise.all((await ownerEpochs(dir)).filter((epoch) => epoch < owner.epoch - 1).map((epoch) => rm(join(dir, ownerFileName(epoch)), { force: true })));
        return new StoreOwnership(dir, owner);
      }
      // Another process took this epoch first: look again (and be refused if it is alive).
    }
  }

  get epoch(): number {
    return this.owner.epoch;
  }

  /** @throws LS_CHECKPOINT_FENCED when a newer owner took the store over (then for good). */
  async verify(): Promise<void> {
    if (this.released) throw new LockstepError(`checkpoint store ${this.dir} was closed`, { code: 'LS_INTERNAL' });
    if (!this.fenced) {
      const [newest] = await ownerEpochs(this.dir);
      if (newest === this.epoch) return;
      this.fenced = true;
    }
    throw new LockstepError(
      `checkpoint store ${this.dir}: this process (owner epoch ${this.epoch}) was taken over by another owner; ` +
        'it stops writing for good (a paused or partitioned zombie)',
      { code: 'LS_CHECKPOINT_FENCED', context: { epoch: this.epoch } },
    );
  }

  /** Marks the store released (a clean close), unless another owner took it over meanwhile. */
  async release(): Promise<void> {
    if (this.fenced || this.released) return;
    this.released = true;
    const [newest] = await ownerEpochs(this.dir);
    if (newest !== this.epoch) return;
    await writeFileAtomic(join(this.dir, ownerFileName(this.epoch)), sealJson({ ...this.owner, released: true }));
  }
}

function optional(start: string | undefined): { processStart?: string } {
  return start === undefined ? {} : { processStart: start };
}

/** Creates `path` with `content` only if it does not exist; false if it does. */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const dir = dirname(path);
  const temp = tempPathFor(path);
  try {
    await writeFile(temp, content, { flush: true });
    await link(temp, path);
    await fsyncDirectory(dir);
    return true;
  } catch (error) {
    // EEXIST: another process took this epoch. ENOENT: the winner, cleaning up at open, removed our temp file.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOENT') return false;
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
}
