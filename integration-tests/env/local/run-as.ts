import { execFile, spawn } from 'node:child_process';
import { chown, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * The OS identity a service process runs as. `uid`/`gid` are undefined when it runs as the current user (no switch);
 * they are set only when this process is root and the service refuses root (PostgreSQL, Elasticsearch).
 */
export interface RunAs {
  readonly user: string;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
}

/** True when this process runs as root (uid 0). Always false on platforms without uids. */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * The identity to run a root-refusing service as: the current user when not root, otherwise the OS user `user`
 * (looked up with `id`, so NSS users work too). Throws a clear error when root and that user does not exist.
 */
export async function runAsFor(user: string): Promise<RunAs> {
  if (!isRoot()) return { user: process.env['USER'] ?? 'current user', uid: undefined, gid: undefined };
  try {
    const uid = Number((await execFileAsync('id', ['-u', user])).stdout.trim());
    const gid = Number((await execFileAsync('id', ['-g', user])).stdout.trim());
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error(`unexpected output of id for ${user}`);
    return { user, uid, gid };
  } catch (error) {
    throw new Error(
      `running as root, but the OS user '${user}' needed to run this service is missing ` +
        `(${(error as Error).message.split('\n')[0] ?? ''}); create it or run the tests as a non-root user`,
    );
  }
}

/** Spawn options (`uid`, `gid`) that make a child run as `runAs`; empty when no switch is needed. */
export function spawnIdentity(runAs: RunAs): { uid?: number; gid?: number } {
  return runAs.uid === undefined || runAs.gid === undefined ? {} : { uid: runAs.uid, gid: runAs.gid };
}

/**
 * Whether `runAs` can reach (search) the directory `dir`, i.e. every ancestor is traversable for it. Checked by running
 * `test -x` as that user, so ACLs and groups count exactly as they will for the service. When `dir` does not exist yet,
 * its nearest existing ancestor is checked (the caller creates the rest with the right owner).
 */
export async function canReach(runAs: RunAs, dir: string): Promise<boolean> {
  if (runAs.uid === undefined) return true;
  let existing = dir;
  for (;;) {
    const found = await stat(existing).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (found || dirname(existing) === existing) break;
    existing = dirname(existing);
  }
  return new Promise((resolve) => {
    const child = spawn('test', ['-x', existing], { ...spawnIdentity(runAs), cwd: '/', stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/** `mkdir -p dir`, then hands `dir` itself (not its parents) to `runAs` when a user switch is in effect. */
export async function makeOwnedDir(runAs: RunAs, dir: string, mode = 0o700): Promise<void> {
  await mkdir(dir, { recursive: true, mode });
  if (runAs.uid !== undefined && runAs.gid !== undefined) await chown(dir, runAs.uid, runAs.gid);
}

/** Runs a short command as `runAs` and returns its output; a failure carries the command's stderr. */
export async function runCommandAs(
  runAs: RunAs,
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(command, [...args], {
      ...spawnIdentity(runAs),
      cwd: options.cwd,
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const failure = error as Error & { stderr?: string; stdout?: string };
    // execFile's message already holds the command line and its stderr.
    const stdout = failure.stdout?.trim() ?? '';
    throw new Error(`failed as ${runAs.user}: ${failure.message}${stdout === '' ? '' : `\n${stdout}`}`);
  }
}
