import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CrashPointName } from '../../core/checkpoint/crash-points';
import type { SeededRandom } from '../../core/testing/seeded-random';
import { startLockstep } from './lockstep-process';

export interface CrashTrialOptions {
  /** The pipeline file `lockstep run` is given on every run. */
  readonly pipelineFile: string;
  /** Every run's output is appended here. */
  readonly logFile: string;
  readonly random: SeededRandom;
  /** Runs SIGKILLed by the test at a random moment (the fail-point runs come on top). */
  readonly randomKills: number;
  /** Milliseconds after its start a run is killed: drawn from [min, max]. */
  readonly killAfterMs: readonly [number, number];
  /** Environment for every run. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Unbounded pipelines never exit by themselves: after the kills, one more run goes on until `complete()` answers
   * true, then is stopped with SIGTERM (a clean stop that must exit 0). Without it, the last run must exit 0 by itself.
   */
  readonly complete?: () => Promise<boolean>;
  /**
   * The two fail points armed in runs 2 and 4 (default `after-checkpoint-saved`, `during-commit`). A sink without
   * commits (idempotent writes) never reaches `during-commit`: use `after-sink-flush` instead.
   */
  readonly failPoints?: readonly [CrashPointName, CrashPointName];
  /** How long the last run may take to finish (default 5 minutes). */
  readonly finishWithinMs?: number;
}

export interface CrashTrialResult {
  /** Runs that died by SIGKILL, from the test's timer or a fail point. */
  readonly kills: number;
  /** The fail points (`name@n`) that killed their run: each proves the engine crashed exactly there. */
  readonly failPointKills: readonly string[];
  readonly runs: number;
  readonly elapsedMs: number;
}

/**
 * Runs `lockstep run` again and again, SIGKILLing it at random moments and at the engine's fail points (right after
 * a checkpoint became durable, before its commit; and in the middle of a commit), then lets it finish. The caller
 * checks the output afterwards. It returns once a run ended cleanly (exit 0) and throws when a run exits with an
 * error or the last one does not finish in time: crashes are expected, bugs are not.
 */
export async function runCrashTrial(options: CrashTrialOptions): Promise<CrashTrialResult> {
  const { random, pipelineFile, logFile } = options;
  const [minMs, maxMs] = options.killAfterMs;
  const plans: Array<{ failPoint?: string; afterMs: number }> = [];
  for (let kill = 0; kill < options.randomKills; kill += 1) plans.push({ afterMs: random.int(minMs, maxMs) });
  // A fail-point run is killed by the engine itself; the timer is only a backstop (a pipeline that ends before the
  // point is reached exits 0 instead).
  const [firstPoint, secondPoint] = options.failPoints ?? ['after-checkpoint-saved', 'during-commit'];
  plans.splice(1, 0, { failPoint: `${firstPoint}@${random.int(2, 4)}`, afterMs: 60_000 });
  plans.splice(3, 0, { failPoint: `${secondPoint}@${random.int(2, 4)}`, afterMs: 60_000 });
  const started = Date.now();
  let kills = 0;
  let runs = 0;
  const failPointKills: string[] = [];
  const finish = (): CrashTrialResult => ({ kills, failPointKills, runs, elapsedMs: Date.now() - started });
  for (const plan of plans) {
    const env = { ...options.env, ...(plan.failPoint ? { LOCKSTEP_CRASH_POINTS: plan.failPoint } : {}) };
    const run = startLockstep(['run', pipelineFile], logFile, env);
    runs += 1;
    const ended = await Promise.race([run.exited, sleep(plan.afterMs, undefined, { ref: false })]);
    if (ended === undefined) run.child.kill('SIGKILL');
    const result = await run.exited;
    if (result === 'SIGKILL') {
      kills += 1;
      if (plan.failPoint !== undefined && ended !== undefined) failPointKills.push(plan.failPoint);
    } else if (result === 0) {
      if (options.complete === undefined) return finish();
      throw new Error(`an unbounded pipeline exited 0 by itself${await logTail(logFile)}`);
    } else throw new Error(`lockstep run exited with ${String(result)}${await logTail(logFile)}`);
  }
  // The last run is not killed: it must end cleanly, by itself (bounded) or by SIGTERM once the output is complete.
  const limitMs = options.finishWithinMs ?? 300_000;
  const run = startLockstep(['run', pipelineFile], logFile, options.env);
  runs += 1;
  let exited: number | string | undefined;
  void run.exited.then((result) => (exited = result));
  const deadline = Date.now() + limitMs;
  const complete = options.complete;
  while (exited === undefined && Date.now() < deadline && !(complete !== undefined && (await complete()))) await sleep(250);
  if (exited === undefined) run.child.kill(complete !== undefined && Date.now() < deadline ? 'SIGTERM' : 'SIGKILL');
  const result = await run.exited;
  if (result === 'SIGKILL') throw new Error(`the last run did not finish within ${limitMs} ms${await logTail(logFile)}`);
  if (result !== 0) throw new Error(`the last lockstep run exited with ${String(result)}${await logTail(logFile)}`);
  return finish();
}

/** The end of the runs' log, for an error message: the test's folder (and the log) is gone once the test ends. */
async function logTail(logFile: string, lines = 40): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return `; the last lines of ${logFile}:\n${text.trimEnd().split('\n').slice(-lines).join('\n')}`;
}

/** One line for the test output: what a trial did. */
export function describeCrashTrial(result: CrashTrialResult): string {
  const points = result.failPointKills.length === 0 ? 'none' : result.failPointKills.join(', ');
  return `${result.kills} kills (at fail points: ${points}), ${result.runs} runs in ${(result.elapsedMs / 1000).toFixed(1)} s`;
}

/** The trial's kills landed: at least `randomKills` SIGKILLs in all, and at least one at a fail point. */
export function expectKillsLanded(result: CrashTrialResult, randomKills: number): void {
  expect(result.kills).toBeGreaterThanOrEqual(randomKills);
  expect(result.failPointKills.length).toBeGreaterThanOrEqual(1);
}

/** How big a crash test is: its record count, its seeds and its pace (records a second). */
export interface CrashTrialSettings {
  readonly records: number;
  readonly seeds: readonly number[];
  readonly rate: number;
}

/**
 * A crash test's settings: `defaults`, each overridable from the environment by `LOCKSTEP_<name>_CRASH_RECORDS`,
 * `LOCKSTEP_<name>_CRASH_SEEDS` (comma-separated) and `LOCKSTEP_<name>_CRASH_RATE`.
 */
export function crashTrialSettings(name: string, defaults: { records: number; seeds: string; rate: number }): CrashTrialSettings {
  const env = (what: string): string | undefined => process.env[`LOCKSTEP_${name}_CRASH_${what}`];
  return {
    records: Number(env('RECORDS') ?? defaults.records),
    seeds: (env('SEEDS') ?? defaults.seeds).split(',').map(Number),
    rate: Number(env('RATE') ?? defaults.rate),
  };
}
