import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testServices } from '../env';
import { FAULT_KINDS, PIPELINE_NAMES, type CampaignOptions, type FaultKind } from './campaign/campaign-options';
import { runCampaign } from './campaign/campaign';
import { planTrial } from './campaign/fault-plan';

/**
 * The CI slice of the randomized fault campaign (`npm run chaos`, integration-tests/chaos/campaign): one trial per
 * pipeline — Kafka → Kafka, Kafka → Postgres, Postgres CDC → Kafka, generator → file — two faulted runs each, with a
 * fixed seed whose plan mixes every fault kind: SIGKILLs, fail points, a SIGSTOP/SIGCONT zombie whose second start must
 * be refused, a Kafka broker restart and a Postgres restart. Then a strict last run, and the independent oracles:
 * nothing lost, duplicated or foreign, no Kafka transaction open or hanging, no prepared transaction left.
 */
const services = testServices();
/** Chosen so that the four plans together hold every fault kind, one broker restart and no long pause. */
const SEED = 73;
// Only the local provider's services can be killed and started again.
const FAULTS: FaultKind[] = services.provider === 'local' ? [...FAULT_KINDS] : FAULT_KINDS.filter((kind) => !kind.endsWith('-restart'));

describe('fault campaign, CI slice', () => {
  let workDir: string;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'lockstep-chaos-slice-'));
  });
  afterAll(() => rm(workDir, { recursive: true, force: true }));

  it(`4 trials (seed ${SEED}), one per pipeline: every fault kind lands, no violation`, async () => {
    const options: CampaignOptions = {
      trials: PIPELINE_NAMES.length,
      seed: SEED,
      pipelines: PIPELINE_NAMES,
      faults: FAULTS,
      records: 4_000,
      // The input takes ~10 s of running (the faults land 1.5–5 s into a run): enough to be mid-stream, short for CI.
      inputSeconds: 10,
      faultedRuns: [2, 2],
      workDir,
    };
    const planned = new Set(
      PIPELINE_NAMES.flatMap((pipeline, index) => planTrial(index, SEED + index, pipeline, FAULTS, [2, 2]).faults.map((fault) => fault.kind)),
    );
    expect([...planned].sort()).toEqual([...FAULTS].sort());

    const outcome = await runCampaign(options, { brokers: services.kafka.brokers, postgresUrl: services.postgres.url }, (line) =>
      process.stdout.write(`${line}\n`),
    );
    process.stdout.write(`${outcome.table}\n`);

    expect(outcome.results.flatMap((result) => result.problems)).toEqual([]);
    const landed = new Set(outcome.results.flatMap((result) => result.runs.filter((run) => run.applied).map((run) => run.fault.kind)));
    expect([...landed].sort()).toEqual([...FAULTS].sort());
    for (const result of outcome.results) {
      expect(result.verdict).toMatchObject({ expected: 4_000, seen: 4_000, lost: 0, duplicated: 0, foreign: 0, openTransactions: [], preparedXacts: [] });
    }
  }, 600_000);
});
