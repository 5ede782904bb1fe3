import { FAULT_KINDS, type FaultKind, type PipelineName } from './campaign-options';
import { describeFault } from './fault-plan';
import { SECOND_START_OK } from './fault-runs';
import type { TrialResult } from './trial-runner';

/** A campaign's figures for one pipeline. */
export interface PipelineTally {
  readonly pipeline: PipelineName;
  trials: number;
  /** Faults that landed, by kind (a kill planned after the run's end does not count). */
  readonly faults: Record<FaultKind, number>;
  /** Second starts refused while their owner was paused (the correct outcome). */
  refusals: number;
  /** Runs that exited with an error while a service they use was down (tolerated, counted). */
  outageExits: number;
  lost: number;
  duplicated: number;
  foreign: number;
  openTransactions: number;
  preparedXacts: number;
  readonly failedSeeds: number[];
  readonly durationsMs: number[];
}

/** Sums trial results per pipeline, in the order the pipelines first appear. */
export function tallyCampaign(results: readonly TrialResult[]): PipelineTally[] {
  const tallies = new Map<PipelineName, PipelineTally>();
  for (const result of results) {
    const pipeline = result.plan.pipeline;
    let tally = tallies.get(pipeline);
    if (tally === undefined) {
      tally = emptyTally(pipeline);
      tallies.set(pipeline, tally);
    }
    tally.trials += 1;
    tally.durationsMs.push(result.durationMs);
    for (const run of result.runs) {
      if (run.applied) tally.faults[run.fault.kind] += 1;
      if (run.secondStart === SECOND_START_OK.refused) tally.refusals += 1;
      if (run.outageExit === true) tally.outageExits += 1;
    }
    const verdict = result.verdict;
    if (verdict !== undefined) {
      tally.lost += verdict.lost;
      tally.duplicated += verdict.duplicated;
      tally.foreign += verdict.foreign;
      tally.openTransactions += verdict.openTransactions.length;
      tally.preparedXacts += verdict.preparedXacts.length;
    }
    if (result.problems.length > 0) tally.failedSeeds.push(result.plan.seed);
  }
  return [...tallies.values()];
}

function emptyTally(pipeline: PipelineName): PipelineTally {
  const faults = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  return {
    pipeline, trials: 0, faults, refusals: 0, outageExits: 0, lost: 0, duplicated: 0, foreign: 0,
    openTransactions: 0, preparedXacts: 0, failedSeeds: [], durationsMs: [],
  };
}

const COLUMNS = [
  'pipeline', 'trials', 'sigkill', 'fail point', 'zombie (2nd start refused)', 'kafka restart', 'postgres restart',
  'exits in outage', 'lost', 'duplicated', 'foreign', 'open txns', 'prepared xacts', 'trial s (median / max)', 'failed seeds',
];

/** The campaign's table (Markdown), one row per pipeline and a total row. */
export function formatCampaignTable(tallies: readonly PipelineTally[]): string {
  const rows = tallies.map((tally) => tallyRow(tally.pipeline, [tally]));
  if (tallies.length > 1) rows.push(tallyRow('total', tallies));
  const lines = [COLUMNS, COLUMNS.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
  return lines.join('\n');
}

function tallyRow(label: string, tallies: readonly PipelineTally[]): string[] {
  const sum = (pick: (tally: PipelineTally) => number): number => tallies.reduce((total, tally) => total + pick(tally), 0);
  const durations = tallies.flatMap((tally) => tally.durationsMs).sort((a, b) => a - b);
  const seconds = (ms: number | undefined): string => ((ms ?? 0) / 1000).toFixed(0);
  const failed = tallies.flatMap((tally) => tally.failedSeeds);
  return [
    label,
    String(sum((tally) => tally.trials)),
    String(sum((tally) => tally.faults.sigkill)),
    String(sum((tally) => tally.faults['fail-point'])),
    `${sum((tally) => tally.faults.zombie)} (${sum((tally) => tally.refusals)})`,
    String(sum((tally) => tally.faults['kafka-restart'])),
    String(sum((tally) => tally.faults['postgres-restart'])),
    String(sum((tally) => tally.outageExits)),
    String(sum((tally) => tally.lost)),
    String(sum((tally) => tally.duplicated)),
    String(sum((tally) => tally.foreign)),
    String(sum((tally) => tally.openTransactions)),
    String(sum((tally) => tally.preparedXacts)),
    `${seconds(durations[Math.floor(durations.length / 2)])} / ${seconds(durations[durations.length - 1])}`,
    failed.length === 0 ? '—' : failed.join(', '),
  ];
}

function secondStartNote(secondStart: string | undefined): string | undefined {
  if (secondStart === undefined) return undefined;
  if (secondStart === SECOND_START_OK.refused) return '2nd start refused';
  if (secondStart === SECOND_START_OK.afterOwnerFinished) return 'owner had finished';
  return '2nd start NOT refused';
}

/** One progress line for a finished trial. */
export function trialLine(result: TrialResult, of: number): string {
  const { plan } = result;
  const faults = result.runs.map((run) => {
    const notes = [
      run.applied ? undefined : 'missed',
      secondStartNote(run.secondStart),
      run.serviceDownMs === undefined ? undefined : `down ${(run.serviceDownMs / 1000).toFixed(1)}s`,
      run.outageExit === true ? `exit ${String(run.exit)}` : undefined,
    ].filter((note) => note !== undefined);
    return `${describeFault(run.fault)}${notes.length === 0 ? '' : ` (${notes.join(', ')})`}`;
  });
  const verdict = result.verdict;
  const seen = verdict === undefined
    ? 'no verdict'
    : `${verdict.seen}/${verdict.expected} seen: ${verdict.lost} lost, ${verdict.duplicated} dup, ${verdict.foreign} foreign, ` +
      `${verdict.openTransactions.length} open txns, ${verdict.preparedXacts.length} prepared`;
  const last = result.finalRun === undefined ? '' : `; last run exit ${String(result.finalRun.exit)} in ${(result.finalRun.ms / 1000).toFixed(1)}s`;
  const status = result.problems.length === 0 ? 'ok' : `FAILED: ${result.problems.join(' | ')} (logs in ${result.dir})`;
  return `trial ${plan.index + 1}/${of} seed ${plan.seed} ${plan.pipeline}: ${faults.join(', ') || 'no faults'}${last}; ${seen} — ${status} in ${(result.durationMs / 1000).toFixed(1)}s`;
}
