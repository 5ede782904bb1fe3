import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { LockstepError } from '../errors';
import { fsyncDirectory, tempPathFor, writeFileAtomic } from './atomic-file';
import { corrupt, sealJson, unsealJson } from './checkpoint-validation';

const OWNER_PATTERN = /^owner-(\d{12})\.json$/;
const SCRATCH_PATTERN = /^\.owner-(\d{12})\.scratch$/;

/** File name of owner epoch `epoch`. */
export function ownerFileName(epoch: number): string {
  return `owner-${String(epoch).padStart(12, '0')}.json`;
}

/** Name of the folder owner `epoch` writes its temp files in (see {@link StoreOwnership}). */
export function scratchDirName(epoch: number): string {
  return `.owner-${String(epoch).padStart(12, '0')}.scratch`;
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
  /** Random per acquisition: tells this owner from another one that got the same epoch after files were deleted. */
  readonly token?: string;
  /** Set when the owner closed the store cleanly. */
  readonly released?: boolean;
}

/** How to take a store. */
export interface AcquireOptions {
  /**
   * The highest owner epoch the store's other files record (the id counter, the records): the new epoch is greater
   * also when owner files were deleted by hand.
   */
  readonly epochFloor: number;
  /** Take the store over even from a live owner, or one on another host (`lockstep run --take-over`): it is fenced. */
  readonly takeOver?: boolean;
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

/** Epochs named by the entries of `dir` that match `pattern`, newest first. */
async function epochsIn(dir: string, pattern: RegExp): Promise<number[]> {
  return newestFirst(await readdir(dir), pattern);
}

/** The epochs in `names` that match `pattern`, newest first. */
function newestFirst(names: readonly string[], pattern: RegExp): number[] {
  return names
    .flatMap((name) => {
      const match = pattern.exec(name);
      return match === null ? [] : [Number(match[1])];
    })
    .sort((a, b) => b - a);
}

async function readOwner(dir: string, epoch: number): Promise<OwnerRecord> {
  return ownerRecord(dir, epoch, await readFile(join(dir, ownerFileName(epoch)), 'utf8'));
}

/** The owner record of `epoch` in `text`. @throws LS_CHECKPOINT_CORRUPT when it is not a valid one. */
function ownerRecord(dir: string, epoch: number, text: string): OwnerRecord {
  const path = join(dir, ownerFileName(epoch));
  const { body } = unsealJson(path, text);
  const valid = body.epoch === epoch && Number.isSafeInteger(body.pid) && typeof body.host === 'string' && typeof body.since === 'string';
  if (!valid) throw corrupt(path, 'not an owner record');
  return body as unknown as OwnerRecord;
}

function describeOwner(owner: OwnerRecord): string {
  return `pid ${owner.pid} on ${owner.host} since ${owner.since} (owner epoch ${owner.epoch})`;
}

function refuse(dir: string, owner: OwnerRecord, why: string): LockstepError {
  return new LockstepError(`checkpoint store ${dir} is owned by ${describeOwner(owner)}: this pipeline is already running. ${why}`, {
    code: 'LS_CHECKPOINT_OWNED',
    context: { pid: owner.pid, host: owner.host, since: owner.since, epoch: owner.epoch },
  });
}

const TAKE_OVER_ADVICE =
  'start with --take-over: it is then fenced (its next checkpoint write fails and it stops for good; what it ' +
  'pre-committed is rolled back by the new owner).';

/**
 * Ownership of a local checkpoint store: one `owner-<epoch>.json` per owner, the newest one current. Taking the store
 * creates the next epoch's file exclusively (written to a temp file, then hard-linked: `link` fails when the name
 * exists, so of two processes racing for the same epoch exactly one wins, and the file is never seen half-written).
 * The epoch is greater than every epoch the store records anywhere (owner files, scratch folders, and the
 * `epochFloor` the caller read from its counter and records), so it strictly increases even when owner files were
 * deleted. A live owner on this host (pid running, same start time) or one on another host is refused, unless
 * `takeOver`; a dead or released one is taken over.
 *
 * Fencing: every write of the owner goes through its scratch folder `.owner-<epoch>.scratch` (temp file there, then
 * `rename` to the target). A new owner removes every other owner's scratch folder before it reads the store, so a
 * zombie's write either landed before (and is seen) or fails (its temp file is gone): a paused owner can never put an
 * older counter or record back. {@link verify} compares the newest owner file with this owner's epoch and token.
 */
export class StoreOwnership {
  private fenced = false;
  private released = false;

  private constructor(
    private readonly dir: string,
    readonly owner: OwnerRecord,
    /** The live (or unverifiable) owner this one took over with `takeOver`, if any. */
    readonly tookOverFrom: OwnerRecord | undefined,
  ) {}

  /** Takes the store in `dir`. @throws LS_CHECKPOINT_OWNED when another process owns it (without `takeOver`). */
  static async acquire(dir: string, options: AcquireOptions): Promise<StoreOwnership> {
    for (;;) {
      const [newest] = await epochsIn(dir, OWNER_PATTERN);
      const current = newest === undefined ? undefined : await readOwner(dir, newest);
      const displaced = current === undefined ? undefined : await liveOwner(dir, current, options.takeOver === true);
      const [scratch = 0] = await epochsIn(dir, SCRATCH_PATTERN);
      const epoch = Math.max(newest ?? 0, scratch, options.epochFloor) + 1;
      const owner: OwnerRecord = {
        epoch,
        pid: process.pid,
        host: hostname(),
        since: new Date().toISOString(),
        token: randomBytes(8).toString('hex'),
        ...optional(await processStart(process.pid)),
      };
      if (!(await createExclusive(join(dir, ownerFileName(epoch)), sealJson(owner)))) continue;
      // Another process that read the store at another moment may have taken a greater epoch meanwhile: it wins.
      const [winner] = await epochsIn(dir, OWNER_PATTERN);
      if (winner !== epoch) {
        await rm(join(dir, ownerFileName(epoch)), { force: true });
        continue;
      }
      await mkdir(join(dir, scratchDirName(epoch)));
      await fenceOthers(dir, epoch);
      return new StoreOwnership(dir, owner, displaced);
    }
  }

  get epoch(): number {
    return this.owner.epoch;
  }

  /** The folder this owner's writes put their temp files in (see the class doc). */
  get scratchDir(): string {
    return join(this.dir, scratchDirName(this.epoch));
  }

  /**
   * Writes `content` to `path` atomically through this owner's scratch folder (fails once it was taken over). Blocking
   * calls, like {@link verify}'s: they lie on the checkpoint's path (see {@link writeFileAtomic}).
   */
  async write(path: string, content: string): Promise<void> {
    await writeFileAtomic(path, content, this.scratchDir);
  }

  /** @throws LS_CHECKPOINT_FENCED when another owner took the store over (then for good). Blocking calls. */
  async verify(): Promise<void> {
    if (this.released) throw new LockstepError(`checkpoint store ${this.dir} was closed`, { code: 'LS_INTERNAL' });
    if (!this.fenced) {
      if (this.isCurrent()) return;
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
    if (!this.isCurrent()) return;
    await this.write(join(this.dir, ownerFileName(this.epoch)), sealJson({ ...this.owner, released: true }));
    await rm(this.scratchDir, { recursive: true, force: true });
  }

  /** The newest owner file is this owner's (same epoch and token). */
  private isCurrent(): boolean {
    const [newest] = newestFirst(readdirSync(this.dir), OWNER_PATTERN);
    if (newest !== this.epoch) return false;
    try {
      return ownerRecord(this.dir, newest, readFileSync(join(this.dir, ownerFileName(newest)), 'utf8')).token === this.owner.token;
    } catch {
      return false;
    }
  }
}

/**
 * `current` when it is a live (or unverifiable) owner that `takeOver` displaces; undefined when it is gone or
 * released. @throws LS_CHECKPOINT_OWNED for such an owner without `takeOver`.
 */
async function liveOwner(dir: string, current: OwnerRecord, takeOver: boolean): Promise<OwnerRecord | undefined> {
  if (current.released === true) return undefined;
  if (current.host !== hostname()) {
    if (takeOver) return current;
    throw refuse(dir, current, `Its liveness cannot be checked from ${hostname()}: if it is gone or hangs, ${TAKE_OVER_ADVICE}`);
  }
  if (!(await ownerAlive(current))) return undefined;
  if (takeOver) return current;
  throw refuse(dir, current, `Stop it first (SIGTERM takes a savepoint); if it hangs, ${TAKE_OVER_ADVICE}`);
}

/** Removes the scratch folders of every other owner (their pending writes then fail) and old owner files. */
async function fenceOthers(dir: string, epoch: number): Promise<void> {
  const scratch = (await epochsIn(dir, SCRATCH_PATTERN)).filter((other) => other !== epoch);
  await Promise.all(scratch.map((other) => rm(join(dir, scratchDirName(other)), { recursive: true, force: true })));
  const stale = (await epochsIn(dir, OWNER_PATTERN)).filter((other) => other < epoch - 1);
  await Promise.all(stale.map((other) => rm(join(dir, ownerFileName(other)), { force: true })));
  await fsyncDirectory(dir);
}

/** Says whom `ownership` displaced, for the log: undefined when it displaced nobody. */
export function describeTakeOver(ownership: StoreOwnership): string | undefined {
  const from = ownership.tookOverFrom;
  return from === undefined ? undefined : `took the store over from ${describeOwner(from)} as owner epoch ${ownership.epoch}`;
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
