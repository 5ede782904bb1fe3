import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { SeededRandom } from '../../core/testing/seeded-random';
import { testServices } from '../env';
import { usePostgresClient, useTempDir } from '../support/chaos-fixtures';
import { exactlyOnceHeader } from '../support/chaos-pipeline-yaml';
import { crashTrialSettings, describeCrashTrial, expectKillsLanded, runCrashTrial } from '../support/crash-trial';
import { readCommitted } from '../support/kafka-read-committed';
import { describeTally, openKafkaTransactions, tallyIds } from '../support/kafka-topics';
import { createTestTopics, testKafka } from '../support/test-kafka';

/**
 * Crash test with real processes: `lockstep run` on Postgres CDC (pgoutput, a slot and a publication of its own) →
 * Kafka exactly-once, checkpoints every 500 ms, while the test inserts 100,000 rows in transactions of 1,000. The
 * pipeline is SIGKILLed at random moments and at the fail points right after a checkpoint became durable and in the
 * middle of a commit; then a last run goes on until every row reached Kafka and is stopped with SIGTERM. A
 * read_committed reader must see one insert event per row and nothing else, and no transaction of the sink's prefix
 * may be left open.
 */
const services = testServices();
const { brokers } = services.kafka;
const { url } = services.postgres;
const { records: RECORDS, seeds: SEEDS, rate: RATE } = crashTrialSettings('CDC', { records: 100_000, seeds: '3,19', rate: 6_000 });
const KILLS = 5;
const ROWS_PER_TRANSACTION = 1_000;

interface ChangeEvent {
  readonly op: string;
  readonly after?: { readonly id: string; readonly seq: number } | null;
}

function pipelineYaml(name: string, dir: string, table: string, topic: string): string {
  return [
    ...exactlyOnceHeader(name, dir),
    'sources:',
    `  - { id: cdc, type: postgres-cdc, url: "${url}", tables: [${table}], slot: ${table}, publication: ${table}, snapshot: never }`,
    'transforms:',
    // Paced so that the kills land while the pipeline is still catching up.
    `  - { id: pace, type: throttle, recordsPerSecond: ${RATE} }`,
    'sinks:',
    `  - { id: out, type: kafka, brokers: ${JSON.stringify(brokers)}, topic: ${topic}, keyFormat: json }`,
    '',
  ].join('\n');
}

/**
 * Once the pipeline's first run created its replication slot (with `snapshot: never` rows committed before that are
 * not the pipeline's), inserts rows r-0 … r-<RECORDS-1> in transactions of ROWS_PER_TRANSACTION, about `perSecond`
 * rows a second.
 */
async function insertRows(table: string, perSecond: number): Promise<void> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const slotExists = async () => (await db.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [table])).rowCount === 1;
    for (let waited = 0; !(await slotExists()); waited += 100) {
      if (waited > 60_000) throw new Error(`the pipeline created no replication slot ${table} within a minute`);
      await sleep(100);
    }
    await insertBatches(db, table, perSecond);
  } finally {
    await db.end();
  }
}

async function insertBatches(db: Client, table: string, perSecond: number): Promise<void> {
  for (let start = 0; start < RECORDS; start += ROWS_PER_TRANSACTION) {
    const end = Math.min(RECORDS, start + ROWS_PER_TRANSACTION) - 1;
    await db.query(`INSERT INTO ${table} (id, seq, note) SELECT 'r-' || g, g, 'record ' || g FROM generate_series($1::int, $2::int) AS g`, [start, end]);
    await sleep((ROWS_PER_TRANSACTION / perSecond) * 1000);
  }
}

describe('postgres cdc → kafka under kill -9', () => {
  const kafka = testKafka(brokers, 'lockstep-chaos');
  const tempDir = useTempDir('lockstep-cdc-crash-');
  const pg = usePostgresClient(url);

  it.each(SEEDS)('seed %i: one insert event per row in Kafka after ≥5 kills', async (seed) => {
    const dir = tempDir();
    const db = pg();
    const random = new SeededRandom(seed);
    const run = `${seed}_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
    const name = `chaos-cdc-${run.replaceAll('_', '-')}`;
    const table = `chaos_cdc_${run}`;
    const topic = `chaos-cdc-out-${run}`;
    const admin = kafka.admin();
    await admin.connect();
    let inserting: Promise<void> | undefined;
    try {
      await createTestTopics(admin, [{ topic, numPartitions: 3 }]);
      await db.query(`CREATE TABLE ${table} (id text PRIMARY KEY, seq integer NOT NULL, note text)`);
      const file = join(dir, 'pipeline.yaml');
      await writeFile(file, pipelineYaml(name, dir, table, topic));
      // The rows arrive while the pipeline is being killed: the slot must hand every one over exactly once.
      inserting = insertRows(table, 8_000);
      const trial = await runCrashTrial({
        pipelineFile: file,
        logFile: join(dir, 'runs.log'),
        random,
        randomKills: KILLS,
        killAfterMs: [2_000, 4_500],
        complete: async () => {
          await sleep(1_000);
          return (await readCommitted(brokers, topic)).length >= RECORDS;
        },
      });
      await inserting;

      const messages = await readCommitted(brokers, topic);
      const ids: string[] = [];
      const other: string[] = [];
      for (const message of messages) {
        const event = JSON.parse(message.value ?? 'null') as ChangeEvent | null;
        if (event?.op === 'insert' && event.after) ids.push(event.after.id);
        else other.push(`${message.partition}@${message.offset}: ${message.value}`);
      }
      const tally = tallyIds(ids, RECORDS);
      const open = (await openKafkaTransactions(kafka, `${name}-out`)).map((entry) => `${entry.transactionalId} (${entry.state})`);
      process.stdout.write(
        `postgres cdc → kafka crash trial, seed ${seed}: ${RECORDS} rows, ${describeCrashTrial(trial)}; ` +
          `read_committed saw ${messages.length} events: ${describeTally(tally)}, ${other.length} other; ${open.length} transactions left open\n`,
      );

      expectKillsLanded(trial, KILLS);
      expect(other.slice(0, 5)).toEqual([]);
      expect(tally.duplicated.slice(0, 5)).toEqual([]);
      expect(tally.missing.slice(0, 5)).toEqual([]);
      expect(messages).toHaveLength(RECORDS);
      expect(open).toEqual([]);
    } finally {
      await inserting?.catch(() => undefined);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
      await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [table]).catch(() => undefined);
      await db.query(`DROP PUBLICATION IF EXISTS ${table}`).catch(() => undefined);
      await db.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    }
  }, 900_000);
});
