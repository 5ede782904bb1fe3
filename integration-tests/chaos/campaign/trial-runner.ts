import { appendFile, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startLockstep } from '../../support/lockstep-process';
import type { ChaosPipeline, PreparedTrial, TrialContext, TrialVerdict } from './chaos-pipeline';
import { describeFault, type TrialPlan } from './fault-plan';
import { endedWithin, hasStarted, lastLine, runFaulted, type RunOutcome } from './fault-runs';

/** How a trial went: its faulted runs, the last (strict) run, the oracle's verdict and every violation found. */
export interface TrialResult {
  readonly plan: TrialPlan;
  readonly runs: readonly RunOutcome[];
  /** The last run, without faults: it must exit 0. */
  readonly finalRun?: { readonly exit: number | string; readonly ms: number };
  readonly verdict?: TrialVerdict;
  /** Violations: any entry fails the trial. */
  readonly problems: readonly string[];
  readonly durationMs: number;
  /** Kept (with the runs' logs) when the trial failed, removed otherwise. */
  readonly dir: string;
}

/** What the engine logs when it drops a commit that can no longer be done (core/checkpoint/pending-commits.ts). */
const DATA_LOSS_LINE = 'POSSIBLE DATA LOSS';

/** How long the last run may take: bounded pipelines must exit 0 by themselves, unbounded ones must complete. */
const FINAL_RUN_LIMIT_MS = 240_000;

/**
 * Runs one trial: sets the pipeline up, runs it once per planned fault, then once more without faults (it must exit
 * 0: by itself when bounded, on SIGTERM once the sink is complete when not), then asks the pipeline's oracle. The
 * trial's folder is removed afterwards unless the trial failed or `keepFolder` is set.
 */
export async function runTrial(plan: TrialPlan, pipeline: ChaosPipeline, keepFolder: boolean, context: TrialContext): Promise<TrialResult> {
  const startedAt = Date.now();
  // A folder left by an interrupted campaign would hand its checkpoints to this trial.
  await rm(context.dir, { recursive: true, force: true });
  await mkdir(context.dir, { recursive: true });
  const logFile = join(context.dir, 'runs.log');
  const problems: string[] = [];
  const runs: RunOutcome[] = [];
  let finalRun: TrialResult['finalRun'];
  let verdict: TrialVerdict | undefined;
  let prepared: PreparedTrial | undefined;
  try {
    prepared = await pipeline.prepare(context);
    for (const [index, fault] of plan.faults.entries()) {
      await appendFile(logFile, `\n=== run ${index + 1}: ${describeFault(fault)} ===\n`);
      const logOffset = (await stat(logFile)).size;
      const outcome = await runFaulted(fault, { pipelineFile: prepared.pipelineFile, logFile, dir: context.dir, run: index + 1, logOffset });
      runs.push(outcome);
      if (outcome.problem !== undefined) problems.push(outcome.problem);
    }
    await appendFile(logFile, `\n=== last run ===\n`);
    finalRun = await lastRun(prepared, logFile);
    if (finalRun.exit !== 0) problems.push(`the last run exited ${String(finalRun.exit)}: ${await lastLine(logFile)}`);
    await prepared.background?.catch((error: unknown) => problems.push(`feeding the input failed: ${String(error)}`));
    verdict = await prepared.verify();
    problems.push(...verdictProblems(verdict));
    if (verdict.lost > 0 && (await readFile(logFile, 'utf8')).includes(DATA_LOSS_LINE)) {
      problems.push(`the runs logged '${DATA_LOSS_LINE}' (a pre-committed transaction could no longer be committed)`);
    }
  } catch (error) {
    problems.push(`trial aborted: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await prepared?.background?.catch(() => undefined);
    await prepared?.cleanup();
  }
  if (problems.length === 0 && !keepFolder) await rm(context.dir, { recursive: true, force: true });
  return { plan, runs, finalRun, verdict, problems, durationMs: Date.now() - startedAt, dir: context.dir };
}

/**
 * The strict last run: bounded, it must exit by itself; unbounded, it is stopped with SIGTERM once complete — and once
 * it has logged its start (its signal handlers are installed by then: a SIGTERM during Node's start-up just kills it).
 */
async function lastRun(prepared: PreparedTrial, logFile: string): Promise<{ exit: number | string; ms: number }> {
  const startedAt = Date.now();
  const logOffset = (await stat(logFile)).size;
  const run = startLockstep(['run', prepared.pipelineFile], logFile);
  const deadline = startedAt + FINAL_RUN_LIMIT_MS;
  const complete = prepared.complete;
  const started = (): Promise<boolean> => hasStarted(logFile, logOffset);
  let done = false;
  while (!done && Date.now() < deadline) {
    done = await endedWithin(run, 1_000);
    if (!done && complete !== undefined && (await started()) && (await complete())) break;
  }
  if (!done) run.child.kill(Date.now() < deadline && complete !== undefined ? 'SIGTERM' : 'SIGKILL');
  const exit = await run.exited;
  return { exit: exit === 'SIGKILL' && !done ? `SIGKILL (not finished within ${FINAL_RUN_LIMIT_MS} ms)` : exit, ms: Date.now() - startedAt };
}

/** The violations a verdict shows. */
export function verdictProblems(verdict: TrialVerdict): string[] {
  const problems: string[] = [];
  const examples = verdict.examples.length === 0 ? '' : ` (${verdict.examples.join('; ')})`;
  if (verdict.lost > 0 || verdict.duplicated > 0 || verdict.foreign > 0) {
    problems.push(
      `of ${verdict.expected} records: ${verdict.lost} lost, ${verdict.duplicated} duplicated, ${verdict.foreign} foreign or malformed${examples}`,
    );
  }
  if (verdict.openTransactions.length > 0) problems.push(`Kafka transactions left open: ${verdict.openTransactions.join(', ')}`);
  if (verdict.preparedXacts.length > 0) problems.push(`prepared transactions left: ${verdict.preparedXacts.join(', ')}`);
  return problems;
}
