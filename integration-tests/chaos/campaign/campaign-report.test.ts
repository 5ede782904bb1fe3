import { formatCampaignTable, tallyCampaign, trialLine } from './campaign-report';
import type { TrialVerdict } from './chaos-pipeline';
import { SECOND_START_OK, type RunOutcome } from './fault-runs';
import type { TrialResult } from './trial-runner';

const clean: TrialVerdict = { expected: 100, seen: 100, lost: 0, duplicated: 0, foreign: 0, openTransactions: [], preparedXacts: [], examples: [] };

function trial(seed: number, pipeline: TrialResult['plan']['pipeline'], runs: RunOutcome[], verdict: TrialVerdict, problems: string[] = []): TrialResult {
  return {
    plan: { index: seed, seed, pipeline, faults: runs.map((run) => run.fault) },
    runs,
    finalRun: { exit: 0, ms: 2_000 },
    verdict,
    problems,
    durationMs: 10_000 * (seed + 1),
    dir: `/tmp/trial-${seed}`,
  };
}

const killed: RunOutcome = { fault: { kind: 'sigkill', afterMs: 2_000 }, applied: true, exit: 'SIGKILL', ms: 2_100 };
const missed: RunOutcome = { fault: { kind: 'sigkill', afterMs: 4_000 }, applied: false, exit: 0, ms: 3_000 };
const zombie: RunOutcome = {
  fault: { kind: 'zombie', afterMs: 2_000, pausedMs: 3_000, thenKillAfterMs: 1_000 },
  applied: true,
  exit: 'SIGKILL',
  secondStart: SECOND_START_OK.refused,
  ms: 6_000,
};
const outage: RunOutcome = {
  fault: { kind: 'kafka-restart', afterMs: 1_000, downForMs: 500, thenKillAfterMs: 2_000 },
  applied: true,
  exit: 1,
  serviceDownMs: 12_000,
  outageExit: true,
  ms: 15_000,
};

describe('campaign report', () => {
  const results = [
    trial(0, 'kafka-postgres', [killed, zombie, outage], { ...clean, preparedXacts: ['lockstep:x:1'] }, ['prepared transactions left: lockstep:x:1']),
    trial(1, 'generator-file', [missed, killed], { ...clean, seen: 103, duplicated: 3, examples: ['duplicated r-7'] }, ['3 duplicated']),
    trial(2, 'kafka-postgres', [killed], clean),
  ];

  it('counts the faults that landed, refusals, outage exits and violations per pipeline', () => {
    const [postgres, file] = tallyCampaign(results);
    expect(postgres).toMatchObject({
      pipeline: 'kafka-postgres',
      trials: 2,
      faults: { sigkill: 2, 'fail-point': 0, zombie: 1, 'kafka-restart': 1, 'postgres-restart': 0 },
      refusals: 1,
      outageExits: 1,
      preparedXacts: 1,
      failedSeeds: [0],
    });
    expect(file).toMatchObject({ pipeline: 'generator-file', trials: 1, faults: { sigkill: 1 }, duplicated: 3, failedSeeds: [1] });
  });

  it('prints a row per pipeline and a total row', () => {
    const lines = formatCampaignTable(tallyCampaign(results)).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[2]).toBe('| kafka-postgres | 2 | 2 | 0 | 1 (1) | 1 | 0 | 1 | 0 | 0 | 0 | 0 | 1 | 30 / 30 | 0 |');
    expect(lines[4]).toBe('| total | 3 | 3 | 0 | 1 (1) | 1 | 0 | 1 | 0 | 3 | 0 | 0 | 1 | 20 / 30 | 0, 1 |');
  });

  it('says in one line what a trial did and found', () => {
    expect(trialLine(results[0] as TrialResult, 3)).toBe(
      'trial 1/3 seed 0 kafka-postgres: sigkill@2.0s, zombie@2.0s+3.0s (2nd start refused), kafka-restart@1.0s~0.5s ' +
        '(down 12.0s, exit 1); last run exit 0 in 2.0s; 100/100 seen: 0 lost, 0 dup, 0 foreign, 0 open txns, 1 prepared — ' +
        'FAILED: prepared transactions left: lockstep:x:1 (logs in /tmp/trial-0) in 10.0s',
    );
    expect(trialLine(results[1] as TrialResult, 3)).toContain('sigkill@4.0s (missed), sigkill@2.0s;');
  });
});
