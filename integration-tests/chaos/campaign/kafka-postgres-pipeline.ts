import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DOUBLED_TRANSFORM_LINE, kafkaJsonSourceLine } from '../../support/chaos-pipeline-yaml';
import { produceChaosRecords } from '../../support/kafka-topics';
import { createTargetTable } from '../../support/postgres-target';
import {
  bestEffort,
  leftPreparedXacts,
  pace,
  pipelineHead,
  verdictOf,
  withPostgres,
  type ChaosPipeline,
  type TrialContext,
  type TrialVerdict,
} from './chaos-pipeline';
import { createTopics, deleteTopics } from './kafka-trial-support';

const PARTITIONS = 3;

/**
 * Kafka (3 partitions, `records` JSON records, bounded) → map → throttle → Postgres exactly-once (one prepared
 * transaction per checkpoint and subtask), parallelism 3, into a table without a unique constraint (a duplicate shows
 * up in the rows instead of being refused). Oracle: the table read with SQL; `pg_prepared_xacts` for the pipeline's
 * gids.
 */
export const kafkaPostgresPipeline: ChaosPipeline = {
  name: 'kafka-postgres',
  async prepare(context) {
    const name = `chaos-kp-${context.id}`;
    const topic = `${name}-in`;
    const table = `chaos_kp_${context.id}`;
    const kafka = await createTopics(context, [topic], PARTITIONS);
    await produceChaosRecords(kafka, topic, context.records);
    await withPostgres(context.postgresUrl, (db) => createTargetTable(db, table, { doubled: true }));
    const pipelineFile = join(context.dir, 'pipeline.yaml');
    await writeFile(pipelineFile, pipelineYaml(name, context, topic, table));
    return {
      pipelineFile,
      verify: () => verifyTable(context, name, table),
      cleanup: () =>
        bestEffort(
          () => deleteTopics(context, [topic]),
          () => withPostgres(context.postgresUrl, (db) => db.query(`DROP TABLE IF EXISTS ${table}`)),
        ),
    };
  },
};

function pipelineYaml(name: string, context: TrialContext, topic: string, table: string): string {
  return [
    ...pipelineHead(name, context, PARTITIONS),
    'sources:',
    kafkaJsonSourceLine(context.brokers, topic),
    'transforms:',
    DOUBLED_TRANSFORM_LINE,
    `  - { id: pace, type: throttle, recordsPerSecond: ${pace(context)} }`,
    'sinks:',
    `  - { id: pg, type: postgres, url: "${context.postgresUrl}", table: ${table} }`,
    '',
  ].join('\n');
}

async function verifyTable(context: TrialContext, name: string, table: string): Promise<TrialVerdict> {
  const rows = await withPostgres(context.postgresUrl, async (db) =>
    (await db.query<{ id: string; seq: number; doubled: number }>(`SELECT id, seq, doubled FROM ${table}`)).rows,
  );
  const ids: string[] = [];
  const malformed: string[] = [];
  for (const row of rows) {
    if (row.doubled !== row.seq * 2 || row.id !== `r-${row.seq}`) malformed.push(JSON.stringify(row));
    else ids.push(row.id);
  }
  return verdictOf(context.records, ids, malformed, { preparedXacts: await leftPreparedXacts(context.postgresUrl, name) });
}
