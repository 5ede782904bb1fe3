import { join } from 'node:path';
import { Client } from 'pg';
import { tallyIds } from '../../support/kafka-topics';
import type { PipelineName } from './campaign-options';
import type { KafkaOracle } from './kafka-oracle';

/** The services and tools a trial works with. */
export interface TrialContext {
  /** Short and unique in the campaign (e.g. `t12s4711x9f3a`): part of every topic, table and pipeline name. */
  readonly id: string;
  /** The trial's folder: pipeline file, checkpoints, output files, run logs. */
  readonly dir: string;
  readonly records: number;
  /** The Kafka sinks' `transactionTimeout` (a duration such as `20s`), or undefined for the sink's default. */
  readonly kafkaTransactionTimeout?: string;
  /** Seconds of running the whole input takes at the pipeline's pace. */
  readonly inputSeconds: number;
  readonly brokers: readonly string[];
  readonly postgresUrl: string;
  readonly oracle: KafkaOracle;
}

/**
 * What a trial's oracle found in the sink after the last run: every expected record must be there exactly once,
 * nothing else, and no transaction (Kafka) or prepared transaction (Postgres) of the pipeline may be left open.
 */
export interface TrialVerdict {
  readonly expected: number;
  /** Records the oracle read from the sink. */
  readonly seen: number;
  readonly lost: number;
  readonly duplicated: number;
  /** Records that are not expected at all, or malformed (transform not applied, wrong key). */
  readonly foreign: number;
  /** Open or hanging Kafka transactions of the pipeline. */
  readonly openTransactions: readonly string[];
  /** Rows of `pg_prepared_xacts` with the pipeline's gid prefix. */
  readonly preparedXacts: readonly string[];
  /** A few offending records or ids, for the failure line. */
  readonly examples: readonly string[];
}

/** A pipeline set up for one trial. */
export interface PreparedTrial {
  readonly pipelineFile: string;
  /** Unbounded pipelines: true once the sink holds all the input (the last run is then stopped with SIGTERM). */
  readonly complete?: () => Promise<boolean>;
  /** Work going on during the runs (CDC: inserting rows); awaited before the verdict. */
  readonly background?: Promise<void>;
  verify(): Promise<TrialVerdict>;
  /** Removes the trial's topics, tables, slots. Never throws. */
  cleanup(): Promise<void>;
}

/** One of the campaign's pipelines: how to seed it, run it and check its output independently. */
export interface ChaosPipeline {
  readonly name: PipelineName;
  prepare(context: TrialContext): Promise<PreparedTrial>;
}

/** The pipeline document's shared head: exactly-once, checkpoints every 500 ms (timeout 15 s) in the trial folder. */
export function pipelineHead(name: string, context: TrialContext, parallelism: number): string[] {
  return [
    `name: ${name}`,
    'guarantee: exactly-once',
    `checkpoint: { interval: 500ms, timeout: 15s, storage: "${join(context.dir, 'checkpoints')}" }`,
    `parallelism: ${parallelism}`,
  ];
}

/**
 * The Kafka sinks' `transactionTimeout` entry: none by default (the broker's maximum, 15 min), so that the trials stay
 * within what lockstep promises (a transaction the broker times out is aborted and its records lost, see the Kafka
 * sink's schema); `--kafka-transaction-timeout` sets one shorter than a long zombie pause or a broker restart.
 */
export function kafkaTransactionTimeout(context: TrialContext): string {
  return context.kafkaTransactionTimeout === undefined ? '' : `, transactionTimeout: ${context.kafkaTransactionTimeout}`;
}

/**
 * Records per second the pipelines are paced at (a `throttle` transform, or the generator's rate; both across all
 * subtasks): the whole input takes `inputSeconds` of running, so the faulted runs of a trial land mid-stream.
 */
export function pace(context: Pick<TrialContext, 'records' | 'inputSeconds'>): number {
  return Math.max(50, Math.round(context.records / context.inputSeconds));
}

/** The verdict from the ids found (`r-<seq>` each) and the records that were malformed. */
export function verdictOf(
  expected: number,
  ids: readonly string[],
  malformed: readonly string[],
  open: { openTransactions?: readonly string[]; preparedXacts?: readonly string[] } = {},
): TrialVerdict {
  const tally = tallyIds(ids, expected);
  return {
    expected,
    seen: ids.length + malformed.length,
    lost: tally.missing.length,
    duplicated: ids.length - tally.distinct,
    foreign: tally.foreign.length + malformed.length,
    openTransactions: open.openTransactions ?? [],
    preparedXacts: open.preparedXacts ?? [],
    examples: [
      ...tally.missing.slice(0, 3).map((id) => `lost ${id}`),
      ...tally.duplicated.slice(0, 3).map((id) => `duplicated ${id}`),
      ...tally.foreign.slice(0, 2).map((id) => `foreign ${id}`),
      ...malformed.slice(0, 2).map((record) => `malformed ${record.slice(0, 120)}`),
    ],
  };
}

/** Runs `work` with a fresh Postgres connection (a trial may have restarted the server under an older one). */
export async function withPostgres<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Gids of the prepared transactions a pipeline left (the Postgres sink's gids start with `lockstep:<name>:`). */
export async function leftPreparedXacts(url: string, pipelineName: string): Promise<string[]> {
  return withPostgres(url, async (client) => {
    const prefix = `lockstep:${pipelineName}:`;
    const result = await client.query<{ gid: string }>(
      'SELECT gid FROM pg_prepared_xacts WHERE left(gid, length($1)) = $1 ORDER BY gid',
      [prefix],
    );
    return result.rows.map((row) => row.gid);
  });
}

/** Runs every cleanup step, ignoring failures (a trial's leftovers must not fail the next one). */
export async function bestEffort(...steps: Array<() => Promise<unknown>>): Promise<void> {
  for (const step of steps) await step().catch(() => undefined);
}
