import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SeededRandom } from '../../core/testing/seeded-random';
import { testServices } from '../env';
import { usePostgresClient, useTempDir } from '../support/chaos-fixtures';
import { DOUBLED_TRANSFORM_LINE, exactlyOnceHeader, kafkaJsonSourceLine } from '../support/chaos-pipeline-yaml';
import { crashTrialSettings, describeCrashTrial, expectKillsLanded, runCrashTrial } from '../support/crash-trial';
import { produceChaosRecords } from '../support/kafka-topics';
import { checkTargetTable, createTargetTable, describeTargetTable, expectEveryIdOnce } from '../support/postgres-target';
import { createTestTopics, testKafka } from '../support/test-kafka';

/**
 * Crash test with real processes: `lockstep run` on Kafka (3 partitions, 100,000 records, bounded) → map → Postgres
 * exactly-once (one prepared transaction per checkpoint and subtask), checkpoints every 500 ms, SIGKILLed at random
 * moments and at the fail points right after a checkpoint became durable and in the middle of a commit, then re-run
 * until it finishes. Afterwards `count(*)` and `count(DISTINCT id)` must both equal the input, every id must be
 * there, and `pg_prepared_xacts` must hold no gid of the pipeline.
 */
const services = testServices();
const { brokers } = services.kafka;
const { url } = services.postgres;
const { records: RECORDS, seeds: SEEDS, rate: RATE } = crashTrialSettings('PG', { records: 100_000, seeds: '5,29', rate: 6_000 });
const KILLS = 5;

function pipelineYaml(name: string, dir: string, topic: string, table: string): string {
  return [
    ...exactlyOnceHeader(name, dir, 3),
    'sources:',
    kafkaJsonSourceLine(brokers, topic),
    'transforms:',
    DOUBLED_TRANSFORM_LINE,
    // Paced so that the kills land mid-stream (unthrottled, the whole topic is copied in a few seconds).
    `  - { id: pace, type: throttle, recordsPerSecond: ${RATE} }`,
    'sinks:',
    `  - { id: pg, type: postgres, url: "${url}", table: ${table} }`,
    '',
  ].join('\n');
}

describe('kafka → postgres under kill -9', () => {
  const kafka = testKafka(brokers, 'lockstep-chaos');
  const tempDir = useTempDir('lockstep-pg-crash-');
  const pg = usePostgresClient(url);

  it.each(SEEDS)('seed %i: every id exactly once in the table after ≥5 kills, no prepared transaction left', async (seed) => {
    const dir = tempDir();
    const db = pg();
    const random = new SeededRandom(seed);
    const run = `${seed}-${randomUUID().slice(0, 8)}`;
    const name = `chaos-pg-${run}`;
    const topic = `chaos-pg-in-${run}`;
    const table = `chaos_pg_${run.replaceAll('-', '_')}`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await createTestTopics(admin, [{ topic, numPartitions: 3 }]);
      await produceChaosRecords(kafka, topic, RECORDS);
      await createTargetTable(db, table, { doubled: true });

      const file = join(dir, 'pipeline.yaml');
      await writeFile(file, pipelineYaml(name, dir, topic, table));
      const trial = await runCrashTrial({ pipelineFile: file, logFile: join(dir, 'runs.log'), random, randomKills: KILLS, killAfterMs: [2_000, 4_500] });

      const check = await checkTargetTable(db, table, { records: RECORDS, gidPrefix: `lockstep:${name}:`, doubled: true });
      process.stdout.write(
        `kafka → postgres crash trial, seed ${seed}: ${RECORDS} records, ${describeCrashTrial(trial)}; ` +
          `${describeTargetTable(check)}\n`,
      );

      expectKillsLanded(trial, KILLS);
      expectEveryIdOnce(check, RECORDS);
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
      await db.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    }
  }, 900_000);
});
