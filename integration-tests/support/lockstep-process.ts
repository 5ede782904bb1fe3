import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** A `lockstep` CLI run in a child process (through tsx, so tests need no build step). */
export interface LockstepProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code, or the signal name when killed. */
  readonly exited: Promise<number | string>;
}

/** Starts `lockstep <args>` with stdout/stderr appended to `logFile`. */
export function startLockstep(args: readonly string[], logFile: string, env: NodeJS.ProcessEnv = {}): LockstepProcess {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'cli', 'main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOCKSTEP_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      log.end();
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return { child, exited };
}
