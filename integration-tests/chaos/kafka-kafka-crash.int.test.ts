import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { createCluster } from '../../connectors/kafka/internals/cluster';
import { listTransactions } from '../../connectors/kafka/internals/transactions';
import { SeededRandom } from '../../core/testing/seeded-random';
import { testServices } from '../env';
import { readCommitted } from '../support/kafka-read-committed';
import { describeCrashTrial, runCrashTrial } from '../support/crash-trial';

/**
 * Crash test with real processes against the real broker: `lockstep run` on Kafka (3 partitions, bounded) → map →
 * Kafka exactly-once, checkpoints every 500 ms, SIGKILLed at random moments and at the fail points right after a
 * checkpoint became durable (before its commit) and in the middle of a commit, then re-run until it finishes. A
 * read_committed reader must then see every id exactly once and nothing else, and no transaction of the pipeline's
 * prefix may be left open on the broker.
 */
const { brokers } = testServices().kafka;
const RECORDS = Number(process.env.LOCKSTEP_KAFKA_CRASH_RECORDS ?? 100_000);
const KILLS = 5;
const SEEDS = (process.env.LOCKSTEP_KAFKA_CRASH_SEEDS ?? '7,31').split(',').map(Number);
const PARTITIONS = 3;
const RATE = Number(process.env.LOCKSTEP_KAFKA_CRASH_RATE ?? 6_000);

interface InputRecord {
  readonly id: string;
  readonly seq: number;
  readonly note: string;
}

function pipelineYaml(run: string, dir: string, input: string, output: string): string {
  const brokerList = JSON.stringify(brokers);
  return [
    `name: chaos-kafka-${run}`,
    'guarantee: exactly-once',
    `checkpoint: { interval: 500ms, timeout: 30s, storage: "${join(dir, 'checkpoints')}" }`,
    'parallelism: 3',
    'sources:',
    `  - { id: in, type: kafka, brokers: ${brokerList}, topics: [${input}], bounded: latest, valueFormat: json }`,
    'transforms:',
    '  - { id: tag, type: map, set: { doubled: "value.seq * 2" } }',
    // Paced so that every run makes progress for a few seconds and the kills land mid-stream (unthrottled, the
    // whole topic is copied in about two seconds).
    `  - { id: pace, type: throttle, recordsPerSecond: ${RATE} }`,
    'sinks:',
    `  - { id: out, type: kafka, brokers: ${brokerList}, topic: ${output}, keyField: id }`,
    '',
  ].join('\n');
}

async function produceInput(kafka: Kafka, topic: string): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const chunk = 10_000;
    for (let start = 0; start < RECORDS; start += chunk) {
      const messages = [];
      for (let seq = start; seq < Math.min(RECORDS, start + chunk); seq += 1) {
        const record: InputRecord = { id: `r-${seq}`, seq, note: `record ${seq} of ${RECORDS}` };
        messages.push({ key: record.id, value: JSON.stringify(record) });
      }
      await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Transactions of `prefix` the broker still holds open (Ongoing or half-way through their end). */
async function openTransactions(kafka: Kafka, prefix: string): Promise<string[]> {
  const cluster = createCluster(kafka);
  await cluster.connect();
  try {
    const open = await listTransactions(cluster, ['Ongoing', 'PrepareCommit', 'PrepareAbort']);
    return open.map((entry) => `${entry.transactionalId} (${entry.state})`).filter((id) => id.startsWith(`${prefix}-`));
  } finally {
    await cluster.disconnect();
  }
}

describe('kafka → kafka under kill -9', () => {
  const kafka = new Kafka({ brokers: [...brokers], clientId: 'lockstep-chaos', logLevel: logLevel.NOTHING });
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-kafka-crash-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it.each(SEEDS)('seed %i: every id exactly once after ≥5 kills, no transaction left open', async (seed) => {
    const random = new SeededRandom(seed);
    const run = `${seed}-${randomUUID().slice(0, 8)}`;
    const input = `chaos-in-${run}`;
    const output = `chaos-out-${run}`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [input, output].map((topic) => ({ topic, numPartitions: PARTITIONS })),
        waitForLeaders: true,
      });
      const produced = Date.now();
      await produceInput(kafka, input);
      const produceMs = Date.now() - produced;

      const file = join(dir, 'pipeline.yaml');
      await writeFile(file, pipelineYaml(run, dir, input, output));
      const trial = await runCrashTrial({
        pipelineFile: file,
        logFile: join(dir, 'runs.log'),
        random,
        randomKills: KILLS,
        killAfterMs: [2_000, 4_500],
      });

      const messages = await readCommitted(brokers, output);
      const seen = new Map<string, number>();
      const wrong: string[] = [];
      for (const message of messages) {
        const value = JSON.parse(message.value ?? 'null') as (InputRecord & { doubled?: number }) | null;
        if (value === null || value.doubled !== value.seq * 2 || message.key !== value.id) {
          wrong.push(`${message.partition}@${message.offset}: ${message.value}`);
          continue;
        }
        seen.set(value.id, (seen.get(value.id) ?? 0) + 1);
      }
      const duplicates = [...seen].filter(([, count]) => count > 1).map(([id]) => id);
      const missing: string[] = [];
      for (let seq = 0; seq < RECORDS; seq += 1) if (!seen.has(`r-${seq}`)) missing.push(`r-${seq}`);
      const open = await openTransactions(kafka, `chaos-kafka-${run}-out`);
      process.stdout.write(
        `kafka → kafka crash trial, seed ${seed}: ${RECORDS} records (produced in ${produceMs} ms), ${describeCrashTrial(trial)}; ` +
          `read_committed saw ${messages.length} records, ` +
          `${seen.size} distinct ids, ${duplicates.length} duplicated, ${missing.length} missing, ${wrong.length} foreign; ` +
          `${open.length} transactions left open\n`,
      );

      expect(trial.kills).toBeGreaterThanOrEqual(KILLS);
      expect(trial.failPointKills.length).toBeGreaterThanOrEqual(1);
      expect(wrong.slice(0, 5)).toEqual([]);
      expect(duplicates.slice(0, 5)).toEqual([]);
      expect(missing.slice(0, 5)).toEqual([]);
      expect(messages).toHaveLength(RECORDS);
      expect(open).toEqual([]);
    } finally {
      await admin.deleteTopics({ topics: [input, output] }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 900_000);
});
