import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'pg';
import { readCommitted } from '../../support/kafka-read-committed';
import {
  bestEffort,
  kafkaTransactionTimeout,
  pace,
  pipelineHead,
  verdictOf,
  withPostgres,
  type ChaosPipeline,
  type TrialContext,
  type TrialVerdict,
} from './chaos-pipeline';
import { createTopics, deleteTopics, describeRecord, openAndHanging, parseJson } from './kafka-trial-support';

const PARTITIONS = 3;
const ROWS_PER_TRANSACTION = 500;
/** How long the inserter waits for the pipeline's slot, and retries through a Postgres restart. */
const PATIENCE_MS = 90_000;

interface ChangeEvent {
  readonly op?: string;
  readonly after?: { readonly id?: string; readonly seq?: number } | null;
}

/**
 * Postgres CDC (pgoutput; slot and publication created by the pipeline, `snapshot: never`) → throttle → Kafka
 * exactly-once, while the trial inserts rows `r-0…` in transactions of 500 from the moment the slot exists (retrying
 * through Postgres restarts with `ON CONFLICT DO NOTHING`, so every row is inserted once). Unbounded: the last run is
 * stopped with SIGTERM once every row reached Kafka. Oracle: Kafka's console consumer (read_committed) sees one insert
 * event per row and nothing else; the transaction tools find no open or hanging transaction of the pipeline.
 */
export const cdcKafkaPipeline: ChaosPipeline = {
  name: 'cdc-kafka',
  async prepare(context) {
    const name = `chaos-cdc-${context.id}`;
    const table = `chaos_cdc_${context.id}`;
    const topic = `${name}-out`;
    await createTopics(context, [topic], PARTITIONS);
    await withPostgres(context.postgresUrl, (db) => db.query(`CREATE TABLE ${table} (id text PRIMARY KEY, seq integer NOT NULL, note text)`));
    const pipelineFile = join(context.dir, 'pipeline.yaml');
    await writeFile(pipelineFile, pipelineYaml(name, context, table, topic));
    return {
      pipelineFile,
      background: insertRows(context, table),
      complete: async () => insertedIds(await readCommitted(context.brokers, topic).catch(() => [])) >= context.records,
      verify: () => verifyEvents(context, name, topic),
      cleanup: () =>
        bestEffort(
          () => deleteTopics(context, [topic]),
          () =>
            withPostgres(context.postgresUrl, async (db) => {
              await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [table]);
              await db.query(`DROP PUBLICATION IF EXISTS ${table}`);
              await db.query(`DROP TABLE IF EXISTS ${table}`);
            }),
        ),
    };
  },
};

function pipelineYaml(name: string, context: TrialContext, table: string, topic: string): string {
  const url = context.postgresUrl;
  return [
    ...pipelineHead(name, context, 1),
    'sources:',
    `  - { id: cdc, type: postgres-cdc, url: "${url}", tables: [${table}], slot: ${table}, publication: ${table}, snapshot: never }`,
    'transforms:',
    `  - { id: pace, type: throttle, recordsPerSecond: ${pace(context)} }`,
    'sinks:',
    `  - { id: out, type: kafka, brokers: ${JSON.stringify(context.brokers)}, topic: ${topic}, keyFormat: json${kafkaTransactionTimeout(context)} }`,
    '',
  ].join('\n');
}

/** Distinct row ids among the insert events read. */
function insertedIds(messages: ReadonlyArray<{ value: string | null }>): number {
  const ids = new Set<string>();
  for (const message of messages) {
    const event = JSON.parse(message.value ?? 'null') as ChangeEvent | null;
    if (event?.op === 'insert' && typeof event.after?.id === 'string') ids.add(event.after.id);
  }
  return ids.size;
}

/** Once the slot exists, inserts the trial's rows at about the pipeline's pace, through Postgres restarts. */
async function insertRows(context: TrialContext, table: string): Promise<void> {
  await retrying(context, async (db) => {
    const found = await db.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [table]);
    if (found.rowCount !== 1) throw new Error(`the pipeline created no replication slot ${table}`);
  });
  const pauseMs = (ROWS_PER_TRANSACTION / pace(context)) * 1000;
  for (let start = 0; start < context.records; start += ROWS_PER_TRANSACTION) {
    const end = Math.min(context.records, start + ROWS_PER_TRANSACTION) - 1;
    // One statement: all of the batch or none of it, and a retry after an unknown outcome inserts nothing twice.
    await retrying(context, (db) =>
      db.query(
        `INSERT INTO ${table} (id, seq, note) SELECT 'r-' || g, g, 'record ' || g FROM generate_series($1::int, $2::int) AS g ON CONFLICT (id) DO NOTHING`,
        [start, end],
      ),
    );
    await sleep(pauseMs);
  }
}

/** Runs `work` on a fresh connection until it succeeds or PATIENCE_MS passed. */
async function retrying(context: TrialContext, work: (db: Client) => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    try {
      await withPostgres(context.postgresUrl, work);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(300);
    }
  }
}

async function verifyEvents(context: TrialContext, name: string, topic: string): Promise<TrialVerdict> {
  const records = await context.oracle.readCommittedPatiently(topic, context.records);
  const ids: string[] = [];
  const other: string[] = [];
  for (const record of records) {
    const event = parseJson(record) as ChangeEvent | undefined;
    if (event?.op === 'insert' && typeof event.after?.id === 'string') ids.push(event.after.id);
    else other.push(describeRecord(record));
  }
  return verdictOf(context.records, ids, other, { openTransactions: await openAndHanging(context.oracle, `${name}-`, topic) });
}
