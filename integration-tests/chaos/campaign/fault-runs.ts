import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { restartService } from '../../env';
import { startLockstep, type LockstepProcess } from '../../support/lockstep-process';
import type { Fault } from './fault-plan';

/** Where a trial's runs read their pipeline and write their output. */
export interface RunFiles {
  readonly pipelineFile: string;
  /** Every run's output is appended here. */
  readonly logFile: string;
  /** Folder for the logs of second starts (zombie episodes). */
  readonly dir: string;
  /** 1-based number of the run in its trial. */
  readonly run: number;
  /** Size of the log before this run: its own output starts there. */
  readonly logOffset: number;
}

/** How one faulted run went. */
export interface RunOutcome {
  readonly fault: Fault;
  /** False when the run ended before its fault landed (a fail point never reached, a kill after the end). */
  readonly applied: boolean;
  /** Exit code, or the signal that ended the run. */
  readonly exit: number | string;
  /** Zombie episodes: one of {@link SECOND_START_OK}, else what the second start did (a violation). */
  readonly secondStart?: string;
  /** A service restart left the service unreachable this long. */
  readonly serviceDownMs?: number;
  /** The run ended with an error while a service it uses was down or recovering: counted, not a violation. */
  readonly outageExit?: boolean;
  /** What went wrong in this run by itself (an unexpected exit, a second copy that was not refused). */
  readonly problem?: string;
  readonly ms: number;
}

/** The correct outcomes of a second start while the owner is paused (anything else is a violation). */
export const SECOND_START_OK = {
  /** The paused owner is alive: the store is not taken. */
  refused: 'refused',
  /** Paused while it was ending, the owner had released the store: the second start read and wrote nothing. */
  afterOwnerFinished: 'ran after the owner finished',
} as const;

/** What the engine logs once it owns the store and restored (`starting fresh`, `starting from checkpoint`). */
const STARTED_LINE = '"msg":"starting';
/** A run that has not logged its start after this long is treated as started (its fault goes ahead). */
const START_LIMIT_MS = 60_000;

/** A run whose fail point is never reached is killed after this long. */
const FAIL_POINT_BACKSTOP_MS = 60_000;
/** A second start while the owner is paused must be refused within this long. */
const SECOND_START_LIMIT_MS = 30_000;

type FaultEffect = Omit<RunOutcome, 'fault' | 'exit' | 'ms' | 'outageExit'>;

/** Runs `lockstep run` once with `fault`; the run is over (exited or killed, never left paused) when this resolves. */
export async function runFaulted(fault: Fault, files: RunFiles): Promise<RunOutcome> {
  const startedAt = Date.now();
  const env = fault.kind === 'fail-point' ? { LOCKSTEP_CRASH_POINTS: fault.point } : {};
  const run = startLockstep(['run', files.pipelineFile], files.logFile, env);
  try {
    const effect = await applyFault(fault, run, files);
    const exit = await run.exited;
    const normal = exit === 'SIGKILL' || exit === 0;
    const outageExit = !normal && (fault.kind === 'kafka-restart' || fault.kind === 'postgres-restart');
    const problem = effect.problem ?? (normal || outageExit ? undefined : `run ${files.run} exited ${String(exit)}: ${await lastLine(files.logFile)}`);
    return { fault, ...effect, exit, ms: Date.now() - startedAt, ...(outageExit ? { outageExit } : {}), ...(problem ? { problem } : {}) };
  } finally {
    run.child.kill('SIGCONT');
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    await run.exited;
  }
}

async function applyFault(fault: Fault, run: LockstepProcess, files: RunFiles): Promise<FaultEffect> {
  switch (fault.kind) {
    case 'sigkill':
      if (await endedWithin(run, fault.afterMs)) return { applied: false };
      run.child.kill('SIGKILL');
      return { applied: true };
    case 'fail-point':
      if (!(await endedWithin(run, FAIL_POINT_BACKSTOP_MS))) {
        run.child.kill('SIGKILL');
        return { applied: false };
      }
      return { applied: (await run.exited) === 'SIGKILL' };
    case 'zombie':
      return zombieEpisode(fault, run, files);
    case 'kafka-restart':
    case 'postgres-restart':
      return serviceRestart(fault, run, files);
  }
}

/** SIGSTOP, a second start that must be refused, SIGCONT after the pause, then SIGKILL. */
async function zombieEpisode(fault: Extract<Fault, { kind: 'zombie' }>, run: LockstepProcess, files: RunFiles): Promise<FaultEffect> {
  if (!(await startedOrEnded(run, files)) || (await endedWithin(run, fault.afterMs))) return { applied: false };
  run.child.kill('SIGSTOP');
  const pausedAt = Date.now();
  let secondStart: string;
  try {
    secondStart = await secondStartWhilePaused(files);
    const left = fault.pausedMs - (Date.now() - pausedAt);
    if (left > 0) await sleep(left);
  } finally {
    run.child.kill('SIGCONT');
  }
  if (!(await endedWithin(run, fault.thenKillAfterMs))) run.child.kill('SIGKILL');
  const ok = secondStart === SECOND_START_OK.refused || secondStart === SECOND_START_OK.afterOwnerFinished;
  return { applied: true, secondStart, ...(ok ? {} : { problem: `second start while paused: ${secondStart}` }) };
}

/** Starts the same pipeline again while its owner is paused: `refused` when it exits 1 with LS_CHECKPOINT_OWNED. */
async function secondStartWhilePaused(files: RunFiles): Promise<string> {
  const logFile = join(files.dir, `second-start-${files.run}.log`);
  const second = startLockstep(['run', files.pipelineFile], logFile);
  if (!(await endedWithin(second, SECOND_START_LIMIT_MS))) {
    second.child.kill('SIGKILL');
    await second.exited;
    return `ran alongside its paused owner for ${SECOND_START_LIMIT_MS} ms (killed)`;
  }
  const exit = await second.exited;
  const log = await readFile(logFile, 'utf8').catch(() => '');
  if (exit === 1 && log.includes('LS_CHECKPOINT_OWNED')) return SECOND_START_OK.refused;
  // The owner was paused after it had finished and released the store: the second run had nothing left to do.
  if (exit === 0 && log.includes(' 0 records read, 0 written')) return SECOND_START_OK.afterOwnerFinished;
  return `exited ${String(exit)}: ${await lastLine(logFile)}`;
}

/** Kills the service after `afterMs`, starts it again `downForMs` later, SIGKILLs the run once it had time to recover. */
async function serviceRestart(
  fault: Extract<Fault, { kind: 'kafka-restart' | 'postgres-restart' }>,
  run: LockstepProcess,
  files: RunFiles,
): Promise<FaultEffect> {
  const endedEarly = !(await startedOrEnded(run, files)) || (await endedWithin(run, fault.afterMs));
  // Also when the run has ended: the next run then starts against a service that just recovered.
  const restart = await restartService(fault.kind === 'kafka-restart' ? 'kafka' : 'postgres', { downForMs: fault.downForMs });
  if (!endedEarly && !(await endedWithin(run, fault.thenKillAfterMs))) run.child.kill('SIGKILL');
  return { applied: true, serviceDownMs: restart.downMs };
}

/** The text of `file` from byte `offset` on. */
async function readFrom(file: string, offset: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    await handle.read(buffer, 0, buffer.length, offset);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** True once the run whose output is appended to `logFile` from `offset` on logged its start (it owns the store). */
export async function hasStarted(logFile: string, offset: number): Promise<boolean> {
  return (await readFrom(logFile, offset)).includes(STARTED_LINE);
}

/**
 * Waits until the run logged its start (then it owns the checkpoint store and has restored) or ended; false when it
 * ended first. A zombie or a service restart is timed from there, so that a slow start on a loaded machine does not
 * make it land before the run does anything.
 */
async function startedOrEnded(run: LockstepProcess, files: RunFiles): Promise<boolean> {
  const deadline = Date.now() + START_LIMIT_MS;
  while (Date.now() < deadline) {
    if (await hasStarted(files.logFile, files.logOffset)) return true;
    if (await endedWithin(run, 100)) return false;
  }
  return !(await endedWithin(run, 0));
}

/** True when `run` exits within `ms`. */
export async function endedWithin(run: LockstepProcess, ms: number): Promise<boolean> {
  const ended = await Promise.race([run.exited.then(() => true), sleep(ms, false, { ref: false })]);
  return ended;
}

/** The last non-empty line of a log (the CLI's one-line cause of a failed run), shortened. */
export async function lastLine(logFile: string): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  const lines = text.trimEnd().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}
