import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLockstep, type LockstepProcess } from './lockstep-process';
import { StoreObserver } from './store-observer';

/** How the operator takes the store over from the paused owner. */
export type TakeOver =
  /** `lockstep run --take-over`: the documented way. */
  | 'flag'
  /** Deleting the paused owner's `owner-<epoch>.json` by hand, then a plain `lockstep run`. */
  | 'delete-owner-file';

export interface ZombieTrialOptions {
  /** The pipeline file every run is given. */
  readonly pipelineFile: string;
  /** Its `checkpoint.storage`. */
  readonly storeDir: string;
  /** Where the runs' logs go (`zombie.log`, `successor.log`, `final.log`). */
  readonly logDir: string;
  readonly takeOver: TakeOver;
  /** What the sink holds now (committed output, markers, pending transactions): must not change while the zombie wakes. */
  readonly sinkState: () => Promise<unknown>;
  /** Checkpoints each of the first two owners completes before it is paused or killed (default 3). */
  readonly checkpointsEach?: number;
}

export interface ZombieTrialResult {
  readonly observer: StoreObserver;
  readonly zombieExit: number | string;
  /** From SIGCONT to the zombie's exit. */
  readonly zombieExitMs: number;
  /** What the zombie logged after it was woken. */
  readonly zombieLogAfterWake: string;
  readonly store: { readonly beforeWake: Record<string, string>; readonly afterZombie: Record<string, string> };
  readonly sink: { readonly beforeWake: unknown; readonly afterZombie: unknown };
  readonly successorLog: string;
  readonly finalExit: number | string;
  readonly finalLog: string;
}

const WAIT_MS = 180_000;

/**
 * The zombie of issue 11, with real processes: owner A runs until it completed some checkpoints and is paused
 * (SIGSTOP, as a frozen VM); the operator takes over (`takeOver`) and starts B, which completes checkpoints of its own
 * and is SIGKILLed; then A is woken (SIGCONT) and must stop on its own, fenced, without writing anything (store and
 * sink compared before and after); a final plain run finishes the pipeline. A {@link StoreObserver} watches the store
 * all along. Throws when a step does not happen in time (with the log's tail); the caller asserts on the result.
 */
export async function runZombieTrial(options: ZombieTrialOptions): Promise<ZombieTrialResult> {
  const { pipelineFile, storeDir, logDir } = options;
  const each = options.checkpointsEach ?? 3;
  const observer = new StoreObserver(storeDir);
  const running: LockstepProcess[] = [];
  const start = (name: string, extra: readonly string[] = []): LockstepProcess => {
    const run = startLockstep(['run', pipelineFile, ...extra], join(logDir, `${name}.log`));
    running.push(run);
    return run;
  };
  observer.start();
  try {
    const zombie = start('zombie');
    await until(() => observer.checkpoints.size >= each, `${each} checkpoints of the first owner`, join(logDir, 'zombie.log'));
    zombie.child.kill('SIGSTOP');
    await sleep(300);

    if (options.takeOver === 'delete-owner-file') await rm(join(storeDir, 'owner-000000000001.json'));
    const seenBefore = observer.checkpoints.size;
    const successor = start('successor', options.takeOver === 'flag' ? ['--take-over'] : []);
    await until(() => observer.checkpoints.size >= seenBefore + each, `${each} checkpoints of the successor`, join(logDir, 'successor.log'));
    successor.child.kill('SIGKILL');
    await successor.exited;

    const beforeWake = { store: await observer.snapshot(), sink: await options.sinkState() };
    const logBefore = (await readFile(join(logDir, 'zombie.log'), 'utf8')).length;
    const wokenAt = Date.now();
    zombie.child.kill('SIGCONT');
    const zombieExit = await Promise.race([zombie.exited, sleep(WAIT_MS, 'still running' as const, { ref: false })]);
    const zombieExitMs = Date.now() - wokenAt;
    if (zombieExit === 'still running') throw new Error(`the woken zombie did not exit within ${WAIT_MS} ms${await tail(join(logDir, 'zombie.log'))}`);
    const afterZombie = { store: await observer.snapshot(), sink: await options.sinkState() };
    const zombieLogAfterWake = (await readFile(join(logDir, 'zombie.log'), 'utf8')).slice(logBefore);

    const final = start('final');
    const finalExit = await Promise.race([final.exited, sleep(WAIT_MS * 2, 'still running' as const, { ref: false })]);
    const finalLog = await readFile(join(logDir, 'final.log'), 'utf8');
    if (finalExit === 'still running') throw new Error(`the final run did not finish within ${WAIT_MS * 2} ms${await tail(join(logDir, 'final.log'))}`);
    return {
      observer,
      zombieExit,
      zombieExitMs,
      zombieLogAfterWake,
      store: { beforeWake: beforeWake.store, afterZombie: afterZombie.store },
      sink: { beforeWake: beforeWake.sink, afterZombie: afterZombie.sink },
      successorLog: await readFile(join(logDir, 'successor.log'), 'utf8'),
      finalExit,
      finalLog,
    };
  } finally {
    await observer.stop();
    for (const run of running) {
      run.child.kill('SIGCONT');
      run.child.kill('SIGKILL');
    }
  }
}

async function until(done: () => boolean, what: string, logFile: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${WAIT_MS} ms${await tail(logFile)}`);
    await sleep(100);
  }
}

async function tail(logFile: string, lines = 30): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return `; the last lines of ${logFile}:\n${text.trimEnd().split('\n').slice(-lines).join('\n')}`;
}
