import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SeededRandom } from '../../core/testing/seeded-random';
import { testServices } from '../env';
import { useTempDir } from '../support/chaos-fixtures';
import { DOUBLED_TRANSFORM_LINE, exactlyOnceHeader, kafkaJsonSourceLine } from '../support/chaos-pipeline-yaml';
import { crashTrialSettings, describeCrashTrial, expectKillsLanded, runCrashTrial } from '../support/crash-trial';
import { readDoubledOutput } from '../support/kafka-doubled-output';
import { describeTally, produceChaosRecords } from '../support/kafka-topics';
import { createTestTopics, testKafka } from '../support/test-kafka';

/**
 * Crash test with real processes against the real broker: `lockstep run` on Kafka (3 partitions, bounded) → map →
 * Kafka exactly-once, checkpoints every 500 ms, SIGKILLed at random moments and at the fail points right after a
 * checkpoint became durable (before its commit) and in the middle of a commit, then re-run until it finishes. A
 * read_committed reader must then see every id exactly once and nothing else, and no transaction of the pipeline's
 * prefix may be left open on the broker.
 */
const { brokers } = testServices().kafka;
const { records: RECORDS, seeds: SEEDS, rate: RATE } = crashTrialSettings('KAFKA', { records: 100_000, seeds: '7,31', rate: 6_000 });
const KILLS = 5;
const PARTITIONS = 3;

function pipelineYaml(run: string, dir: string, input: string, output: string): string {
  const brokerList = JSON.stringify(brokers);
  return [
    ...exactlyOnceHeader(`chaos-kafka-${run}`, dir, 3),
    'sources:',
    kafkaJsonSourceLine(brokers, input),
    'transforms:',
    DOUBLED_TRANSFORM_LINE,
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
  const tempDir = useTempDir('lockstep-kafka-crash-');

  it.each(SEEDS)('seed %i: every id exactly once after ≥5 kills, no transaction left open', async (seed) => {
    const dir = tempDir();
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

      const seen = await readDoubledOutput(kafka, brokers, output, { records: RECORDS, transactionPrefix: `chaos-kafka-${run}-out` });
      process.stdout.write(
        `kafka → kafka crash trial, seed ${seed}: ${RECORDS} records (produced in ${produceMs} ms), ${describeCrashTrial(trial)}; ` +
          `read_committed saw ${seen.records} records: ${describeTally(seen.tally)}, ${seen.malformed.length} malformed; ` +
          `${seen.open.length} transactions left open\n`,
      );

      expectKillsLanded(trial, KILLS);
      expect(seen.malformed.slice(0, 5)).toEqual([]);
      expect(seen.tally.duplicated.slice(0, 5)).toEqual([]);
      expect(seen.tally.missing.slice(0, 5)).toEqual([]);
      expect(seen.tally.foreign.slice(0, 5)).toEqual([]);
      expect(seen.records).toBe(RECORDS);
      expect(seen.open).toEqual([]);
    } finally {
      await admin.deleteTopics({ topics: [input, output] }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 900_000);
});
