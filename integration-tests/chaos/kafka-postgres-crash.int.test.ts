import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestTopics, testKafka } from '../support/test-kafka';
import { Client } from 'pg';
import { SeededRandom } from '../../core/testing/seeded-random';
import { testServices } from '../env';
import { describeCrashTrial, runCrashTrial } from '../support/crash-trial';
import { describeTally, produceChaosRecords, tallyIds } from '../support/kafka-topics';
import { preparedGids } from '../postgres/postgres-sink-fixtures';

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
const RECORDS = Number(process.env.LOCKSTEP_PG_CRASH_RECORDS ?? 100_000);
const KILLS = 5;
const SEEDS = (process.env.LOCKSTEP_PG_CRASH_SEEDS ?? '5,29').split(',').map(Number);
const RATE = Number(process.env.LOCKSTEP_PG_CRASH_RATE ?? 6_000);

function pipelineYaml(name: string, dir: string, topic: string, table: string): string {
  return [
    `name: ${name}`,
    'guarantee: exactly-once',
    `checkpoint: { interval: 500ms, timeout: 30s, storage: "${join(dir, 'checkpoints')}" }`,
    'parallelism: 3',
    'sources:',
    `  - { id: in, type: kafka, brokers: ${JSON.stringify(brokers)}, topics: [${topic}], bounded: latest, valueFormat: json }`,
    'transforms:',
    '  - { id: tag, type: map, set: { doubled: "value.seq * 2" } }',
    // Paced so that the kills land mid-stream (unthrottled, the whole topic is copied in a few seconds).
    `  - { id: pace, type: throttle, recordsPerSecond: ${RATE} }`,
    'sinks:',
    `  - { id: pg, type: postgres, url: "${url}", table: ${table} }`,
    '',
  ].join('\n');
}

describe('kafka → postgres under kill -9', () => {
  const kafka = testKafka(brokers, 'lockstep-chaos');
  let dir: string;
  let db: Client;
  beforeAll(async () => {
    db = new Client({ connectionString: url });
    await db.connect();
  });
  afterAll(() => db.end());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-pg-crash-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it.each(SEEDS)('seed %i: every id exactly once in the table after ≥5 kills, no prepared transaction left', async (seed) => {
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
      // No unique constraint on id: a duplicate must show up in the count, not be refused by the database.
      await db.query(`CREATE TABLE ${table} (id text NOT NULL, seq integer NOT NULL, note text, doubled integer NOT NULL)`);

      const file = join(dir, 'pipeline.yaml');
      await writeFile(file, pipelineYaml(name, dir, topic, table));
      const trial = await runCrashTrial({ pipelineFile: file, logFile: join(dir, 'runs.log'), random, randomKills: KILLS, killAfterMs: [2_000, 4_500] });

      const counts = await db.query<{ total: string; ids: string; wrong: string }>(
        `SELECT count(*) AS total, count(DISTINCT id) AS ids, count(*) FILTER (WHERE doubled <> seq * 2) AS wrong FROM ${table}`,
      );
      const { total, ids, wrong } = counts.rows[0] as { total: string; ids: string; wrong: string };
      const tally = tallyIds((await db.query<{ id: string }>(`SELECT id FROM ${table}`)).rows.map((row) => row.id), RECORDS);
      const prepared = await preparedGids(db, `lockstep:${name}:`);
      process.stdout.write(
        `kafka → postgres crash trial, seed ${seed}: ${RECORDS} records, ${describeCrashTrial(trial)}; ` +
          `count(*) ${total}, count(DISTINCT id) ${ids}: ${describeTally(tally)}, ${wrong} malformed; ${prepared.length} prepared transactions left\n`,
      );

      expect(trial.kills).toBeGreaterThanOrEqual(KILLS);
      expect(trial.failPointKills.length).toBeGreaterThanOrEqual(1);
      expect({ total: Number(total), ids: Number(ids), wrong: Number(wrong) }).toEqual({ total: RECORDS, ids: RECORDS, wrong: 0 });
      expect(tally.missing.slice(0, 5)).toEqual([]);
      expect(tally.foreign.slice(0, 5)).toEqual([]);
      expect(prepared).toEqual([]);
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
      await db.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    }
  }, 900_000);
});
