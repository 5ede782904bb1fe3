import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestTopics, testKafka } from '../support/test-kafka';
import { SeededRandom } from '../../core/testing/seeded-random';
import { testServices } from '../env';
import { readCommitted } from '../support/kafka-read-committed';
import { describeCrashTrial, runCrashTrial } from '../support/crash-trial';
import { describeTally, openKafkaTransactions, produceChaosRecords, tallyIds, type ChaosRecord } from '../support/kafka-topics';

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

describe('kafka → kafka under kill -9', () => {
  const kafka = testKafka(brokers, 'lockstep-chaos');
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
      await createTestTopics(admin, [input, output].map((topic) => ({ topic, numPartitions: PARTITIONS })));
      const produced = Date.now();
      await produceChaosRecords(kafka, input, RECORDS);
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
      const ids: string[] = [];
      const wrong: string[] = [];
      for (const message of messages) {
        const value = JSON.parse(message.value ?? 'null') as (ChaosRecord & { doubled?: number }) | null;
        if (value === null || value.doubled !== value.seq * 2 || message.key !== value.id) wrong.push(`${message.partition}@${message.offset}: ${message.value}`);
        else ids.push(value.id);
      }
      const tally = tallyIds(ids, RECORDS);
      const open = (await openKafkaTransactions(kafka, `chaos-kafka-${run}-out`)).map((entry) => `${entry.transactionalId} (${entry.state})`);
      process.stdout.write(
        `kafka → kafka crash trial, seed ${seed}: ${RECORDS} records (produced in ${produceMs} ms), ${describeCrashTrial(trial)}; ` +
          `read_committed saw ${messages.length} records: ${describeTally(tally)}, ${wrong.length} malformed; ` +
          `${open.length} transactions left open\n`,
      );

      expect(trial.kills).toBeGreaterThanOrEqual(KILLS);
      expect(trial.failPointKills.length).toBeGreaterThanOrEqual(1);
      expect(wrong.slice(0, 5)).toEqual([]);
      expect(tally.duplicated.slice(0, 5)).toEqual([]);
      expect(tally.missing.slice(0, 5)).toEqual([]);
      expect(tally.foreign.slice(0, 5)).toEqual([]);
      expect(messages).toHaveLength(RECORDS);
      expect(open).toEqual([]);
    } finally {
      await admin.deleteTopics({ topics: [input, output] }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 900_000);
});
