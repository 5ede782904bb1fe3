import { spawn, type SpawnOptions } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A long-running service process in its own process group, its output appended to a log file. */
export interface ServiceProcess {
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  isRunning(): boolean;
  /** SIGTERM to the whole group, then SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnServiceOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * Spawns `command` detached (its own process group, so the whole tree can be killed at once) with stdout and stderr
 * going to `logFile`. The parent does not wait for it; the supervisor owns its lifetime.
 */
export function spawnService(options: SpawnServiceOptions): ServiceProcess {
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const spawnOptions: SpawnOptions = {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  };
  if (options.uid !== undefined) spawnOptions.uid = options.uid;
  if (options.gid !== undefined) spawnOptions.gid = options.gid;
  const child = spawn(options.command, [...options.args], spawnOptions);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  let running = child.pid !== undefined;
  const exited = new Promise<number | string>((resolve) => {
    child.on('error', (error) => {
      running = false;
      log.write(`\n[lockstep] spawn failed: ${error.message}\n`);
      resolve(`error: ${error.message}`);
    });
    child.on('exit', (code, signal) => {
      running = false;
      resolve(code ?? signal ?? 'unknown');
    });
  });
  const pid = child.pid ?? -1;
  const stop = async (graceMs = 10_000): Promise<void> => {
    if (pid <= 0) return;
    killGroup(pid, 'SIGTERM');
    // Unreferenced timers: a stop that finished early must not keep the process alive for the grace period.
    const ended = await Promise.race([exited.then(() => true), sleep(graceMs, false, { ref: false })]);
    // Kill the group even when the leader ended: children it forked may linger.
    killGroup(pid, 'SIGKILL');
    if (!ended) await Promise.race([exited, sleep(2_000, undefined, { ref: false })]);
    log.end();
  };
  return { pid, logFile: options.logFile, exited, isRunning: () => running, stop };
}

/** Sends `signal` to process group `pgid`; a group that is already gone is not an error. */
export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Polls `probe` until it returns true, the process dies, or `timeoutMs` passes; the error names the log file. */
export async function waitUntilReady(
  name: string,
  service: ServiceProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!service.isRunning()) {
      throw new Error(`${name} exited during start-up (exit ${String(await service.exited)}); see ${service.logFile}`);
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(`${name} was not ready after ${timeoutMs} ms; see ${service.logFile}`);
    }
    await sleep(200);
  }
}
