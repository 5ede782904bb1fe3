import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICES_CONTROL_ENV_VAR } from '../../env/supervisor-protocol';
import type { CampaignOptions, PipelineName } from './campaign-options';
import { formatCampaignTable, tallyCampaign, trialLine } from './campaign-report';
import { cdcKafkaPipeline } from './cdc-kafka-pipeline';
import type { ChaosPipeline } from './chaos-pipeline';
import { planTrial } from './fault-plan';
import { generatorFilePipeline } from './generator-file-pipeline';
import { KafkaOracle } from './kafka-oracle';
import { kafkaKafkaPipeline } from './kafka-kafka-pipeline';
import { kafkaPostgresPipeline } from './kafka-postgres-pipeline';
import { runTrial, type TrialResult } from './trial-runner';

const DEFAULT_INPUT_SECONDS = 15;

/** The campaign's pipelines by name. */
export const CHAOS_PIPELINES: Record<PipelineName, ChaosPipeline> = {
  'kafka-kafka': kafkaKafkaPipeline,
  'kafka-postgres': kafkaPostgresPipeline,
  'cdc-kafka': cdcKafkaPipeline,
  'generator-file': generatorFilePipeline,
};

/** The command that replays one trial of a campaign. */
export function replayCommand(options: CampaignOptions, seed: number, pipeline: PipelineName): string {
  const extra = [
    options.faultedRuns === undefined ? '' : ` --runs ${options.faultedRuns.join('-')}`,
    options.inputSeconds === undefined ? '' : ` --input-seconds ${options.inputSeconds}`,
    options.kafkaTransactionTimeout === undefined ? '' : ` --kafka-transaction-timeout ${options.kafkaTransactionTimeout}`,
  ].join('');
  return (
    `npm run chaos -- --trials 1 --seed ${seed} --pipelines ${pipeline} --records ${options.records} ` +
    `--faults ${options.faults.join(',')}${extra}`
  );
}

/** The services a campaign runs against (the local provider's, so that they can be restarted). */
export interface CampaignServices {
  readonly brokers: readonly string[];
  readonly postgresUrl: string;
}

/** What a campaign found: every trial, the table, and whether any trial failed. */
export interface CampaignOutcome {
  readonly results: readonly TrialResult[];
  readonly table: string;
  readonly failed: number;
}

/**
 * Runs `options.trials` trials one after another (trial `i`: pipeline `pipelines[i % n]`, seed `seed + i`), printing
 * one line per trial through `say`, and returns the results with the summary table.
 */
export async function runCampaign(
  options: CampaignOptions,
  services: CampaignServices,
  say: (line: string) => void,
): Promise<CampaignOutcome> {
  if (options.faults.some((kind) => kind.endsWith('-restart')) && !process.env[SERVICES_CONTROL_ENV_VAR]) {
    throw new Error(`service restarts need the test services' supervisor (${SERVICES_CONTROL_ENV_VAR} is not set)`);
  }
  const workDir = options.workDir ?? (await mkdtemp(join(tmpdir(), `lockstep-chaos-${options.seed}-`)));
  await mkdir(workDir, { recursive: true });
  // Names stay unique when campaigns share a broker or a database.
  const tag = randomBytes(3).toString('hex');
  const oracle = new KafkaOracle(services.brokers);
  const results: TrialResult[] = [];
  say(`chaos campaign: ${options.trials} trials, seed ${options.seed}, ${options.records} records each, ` +
    `pipelines ${options.pipelines.join(',')}, faults ${options.faults.join(',')}; trial folders under ${workDir}`);
  for (let index = 0; index < options.trials; index += 1) {
    const pipeline = options.pipelines[index % options.pipelines.length] as PipelineName;
    const seed = options.seed + index;
    const plan = planTrial(index, seed, pipeline, options.faults, options.faultedRuns);
    const id = `${tag}_${index}`;
    const result = await runTrial(plan, CHAOS_PIPELINES[pipeline], options.keepTrialFolders === true, {
      id,
      dir: join(workDir, `trial-${index + 1}-${pipeline}-seed-${seed}`),
      records: options.records,
      inputSeconds: options.inputSeconds ?? DEFAULT_INPUT_SECONDS,
      ...(options.kafkaTransactionTimeout === undefined ? {} : { kafkaTransactionTimeout: options.kafkaTransactionTimeout }),
      brokers: services.brokers,
      postgresUrl: services.postgresUrl,
      oracle,
    });
    results.push(result);
    say(trialLine(result, options.trials));
    if (result.problems.length > 0) {
      say(`  replay: ${replayCommand(options, seed, pipeline)}`);
    }
  }
  const table = formatCampaignTable(tallyCampaign(results));
  return { results, table, failed: results.filter((result) => result.problems.length > 0).length };
}
