import { parseArgs } from 'node:util';

/** The pipelines a campaign trial can run, each with its own seeding and oracle (see chaos-pipelines.ts). */
export const PIPELINE_NAMES = ['kafka-kafka', 'kafka-postgres', 'cdc-kafka', 'generator-file'] as const;
export type PipelineName = (typeof PIPELINE_NAMES)[number];

/**
 * The faults a trial mixes, one per faulted run: a SIGKILL at a random moment, a kill at an engine fail point, a
 * SIGSTOP/SIGCONT episode with a second start while paused, and a crash-restart of the Kafka broker or of Postgres.
 */
export const FAULT_KINDS = ['sigkill', 'fail-point', 'zombie', 'kafka-restart', 'postgres-restart'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface CampaignOptions {
  readonly trials: number;
  /** Trial `i` runs with seed `seed + i`: a failing trial is replayed with `--trials 1 --seed <its seed>`. */
  readonly seed: number;
  /** Trial `i` runs `pipelines[i % pipelines.length]`. */
  readonly pipelines: readonly PipelineName[];
  readonly faults: readonly FaultKind[];
  /** Records (rows, ids) each trial moves through its pipeline. */
  readonly records: number;
  /** Seconds of running a trial's whole input takes at its pipeline's pace (default 15; the faults land in 1.5–5 s; `--input-seconds`). */
  readonly inputSeconds?: number;
  /** The Kafka sinks' `transactionTimeout` (e.g. `20s`); unset: the sink's default, the broker's 15 min maximum. */
  readonly kafkaTransactionTimeout?: string;
  /** Faulted runs per trial, a range (default 3–6; `--runs 2-4`). */
  readonly faultedRuns?: readonly [number, number];
  /** Keep every trial's folder, not only those of failed trials (`--keep`). */
  readonly keepTrialFolders?: boolean;
  /** Where each trial's pipeline file, checkpoints and run logs go; a failed trial's folder is kept. */
  readonly workDir?: string;
}

export const CAMPAIGN_USAGE =
  'usage: npm run chaos -- [--trials N] [--seed S] [--pipelines kafka-kafka,kafka-postgres,cdc-kafka,generator-file] ' +
  '[--faults sigkill,fail-point,zombie,kafka-restart,postgres-restart] [--records R] [--runs MIN-MAX] [--input-seconds 15] [--kafka-transaction-timeout 20s] [--work-dir DIR] [--keep]';

/** Parses `npm run chaos` arguments; throws a one-line error naming the bad option. */
export function parseCampaignArguments(argv: readonly string[], defaultSeed: number): CampaignOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      trials: { type: 'string', default: '20' },
      seed: { type: 'string' },
      pipelines: { type: 'string', default: PIPELINE_NAMES.join(',') },
      faults: { type: 'string', default: FAULT_KINDS.join(',') },
      records: { type: 'string', default: '15000' },
      runs: { type: 'string' },
      'kafka-transaction-timeout': { type: 'string' },
      'input-seconds': { type: 'string' },
      keep: { type: 'boolean' },
      'work-dir': { type: 'string' },
    },
  });
  return {
    trials: positiveInteger('--trials', values.trials),
    seed: values.seed === undefined ? defaultSeed : nonNegativeInteger('--seed', values.seed),
    pipelines: listOf('--pipelines', values.pipelines, PIPELINE_NAMES),
    faults: listOf('--faults', values.faults, FAULT_KINDS),
    records: positiveInteger('--records', values.records),
    ...(values.runs === undefined ? {} : { faultedRuns: range('--runs', values.runs) }),
    ...(values['kafka-transaction-timeout'] === undefined
      ? {}
      : { kafkaTransactionTimeout: duration('--kafka-transaction-timeout', values['kafka-transaction-timeout']) }),
    ...(values['input-seconds'] === undefined ? {} : { inputSeconds: positiveInteger('--input-seconds', values['input-seconds']) }),
    ...(values.keep === true ? { keepTrialFolders: true } : {}),
    ...(values['work-dir'] === undefined ? {} : { workDir: values['work-dir'] }),
  };
}

function nonNegativeInteger(option: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${option} must be a whole number ≥ 0, got '${text}'`);
  }
  return value;
}

function positiveInteger(option: string, text: string): number {
  const value = nonNegativeInteger(option, text);
  if (value === 0) throw new Error(`${option} must be at least 1, got '${text}'`);
  return value;
}

function duration(option: string, text: string): string {
  if (!/^\d+(ms|s|m)$/.test(text)) throw new Error(`${option} must be a duration such as 20s, 90000ms or 2m, got '${text}'`);
  return text;
}

function range(option: string, text: string): [number, number] {
  const [low = '', high = low] = text.split('-');
  const min = nonNegativeInteger(option, low);
  const max = nonNegativeInteger(option, high);
  if (min > max) throw new Error(`${option} must be MIN-MAX with MIN ≤ MAX, got '${text}'`);
  return [min, max];
}

function listOf<T extends string>(option: string, text: string, allowed: readonly T[]): T[] {
  const items = text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (items.length === 0) throw new Error(`${option} is empty (choose from ${allowed.join(', ')})`);
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new Error(`${option}: unknown '${item}' (choose from ${allowed.join(', ')})`);
    }
  }
  return [...new Set(items)] as T[];
}
