import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testServices } from '../env';
import { useTempDir } from '../support/chaos-fixtures';
import { exactlyOnceHeader, kafkaJsonSourceLine } from '../support/chaos-pipeline-yaml';
import { readCommitted } from '../support/kafka-read-committed';
import { describeTally, openKafkaTransactions, produceChaosRecords, tallyIds } from '../support/kafka-topics';
import { createTestTopics, testKafka } from '../support/test-kafka';
import { runZombieTrial } from '../support/zombie-trial';

/**
 * Issue 11, reproduction 1 (the zombie) with a Kafka sink, real processes: Kafka → throttle → Kafka exactly-once,
 * parallelism 2, checkpoints every 500 ms. Owner A is paused (SIGSTOP) after 3 checkpoints; the operator deletes A's
 * owner file by hand (what the refusal once advised for an owner on another host) and starts B, which must take a
 * greater owner epoch although the newest owner file is gone; B completes 3 checkpoints and is SIGKILLed; A is woken
 * (SIGCONT) and must stop, fenced (exit 1), without writing anything — the store's files and the output topic's
 * offsets are the same before and after; a final plain run finishes. Then a read_committed consumer — kcat
 * (librdkafka), independent of lockstep's fetch path and of kafkajs' consumer, whose aborted-transaction filter lets
 * records of overlapping aborted transactions through — sees every id exactly once, no transaction of the pipeline is
 * left open, and the store never reused a checkpoint id nor let its counter go back.
 */
const { brokers } = testServices().kafka;
const RECORDS = 30_000;
const RATE = 2_500;

function pipelineYaml(name: string, dir: string, input: string, output: string): string {
  const brokerList = JSON.stringify(brokers);
  return [
    ...exactlyOnceHeader(name, dir, 2),
    'sources:',
    kafkaJsonSourceLine(brokers, input),
    'transforms:',
    `  - { id: pace, type: throttle, recordsPerSecond: ${RATE} }`,
    'sinks:',
    `  - { id: out, type: kafka, brokers: ${brokerList}, topic: ${output} }`,
    '',
  ].join('\n');
}

describe('a zombie owner with a Kafka sink (SIGSTOP, owner file deleted, SIGCONT)', () => {
  const kafka = testKafka(brokers, 'lockstep-zombie');
  const tempDir = useTempDir('lockstep-zombie-kafka-');

  it('fences the woken zombie: it writes nothing more, and a read_committed consumer sees every id once', async () => {
    const dir = tempDir();
    const run = randomUUID().slice(0, 8);
    const name = `zombie-kafka-${run}`;
    const input = `zombie-in-${run}`;
    const output = `zombie-out-${run}`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await createTestTopics(admin, [
        { topic: input, numPartitions: 2 },
        { topic: output, numPartitions: 2 },
      ]);
      await produceChaosRecords(kafka, input, RECORDS);
      const file = join(dir, 'pipeline.yaml');
      await writeFile(file, pipelineYaml(name, dir, input, output));
      // Every record the broker appended to the output (committed, aborted or open) moves its end offsets.
      const sinkState = async (): Promise<unknown> => ({
        ends: (await admin.fetchTopicOffsets(output)).map(({ partition, high }) => `${partition}:${high}`).sort(),
        open: (await openKafkaTransactions(kafka, `${name}-out`)).map((entry) => entry.transactionalId).sort(),
      });

      const trial = await runZombieTrial({ pipelineFile: file, storeDir: join(dir, 'checkpoints'), logDir: dir, takeOver: 'delete-owner-file', sinkState });

      const values = (await readCommitted(brokers, output)).map((message) => message.value ?? '');
      const tally = tallyIds(values.map((value) => (JSON.parse(value) as { id: string }).id), RECORDS);
      const open = await openKafkaTransactions(kafka, `${name}-out`);
      const { observer } = trial;
      process.stdout.write(
        `zombie with a kafka sink: owner checkpoints ${[1, 2, 3].map((epoch) => `${epoch}: [${observer.idsOf(epoch).join(',')}]`).join('; ')}; ` +
          `zombie exited ${String(trial.zombieExit)} ${trial.zombieExitMs} ms after SIGCONT; final run exit ${String(trial.finalExit)}; ` +
          `read_committed: ${values.length} records, ${describeTally(tally)}; ${open.length} transactions left open\n`,
      );

      // Strictly increasing owner epochs: A 1, B 2, the final run 3 (each fenced its predecessor).
      expect(observer.idsOf(1).length).toBeGreaterThanOrEqual(3);
      expect(observer.idsOf(2).length).toBeGreaterThanOrEqual(3);
      expect(observer.idsOf(3).length).toBeGreaterThan(0);
      expect(trial.zombieExit).toBe(1);
      expect(trial.zombieLogAfterWake).toMatch(/pipeline \S+ FAILED \(fatal: LS_CHECKPOINT_FENCED\)/);
      expect(trial.zombieLogAfterWake).not.toContain('starting from checkpoint');
      expect(trial.zombieLogAfterWake).not.toContain('POSSIBLE DATA LOSS');
      expect(trial.store.afterZombie).toEqual(trial.store.beforeWake);
      expect(trial.sink.afterZombie).toEqual(trial.sink.beforeWake);
      expect(trial.finalExit).toBe(0);
      expect(observer.violations()).toEqual([]);
      expect(values).toHaveLength(RECORDS);
      expect(tally.duplicated.slice(0, 5)).toEqual([]);
      expect(tally.missing.slice(0, 5)).toEqual([]);
      expect(open).toEqual([]);
    } finally {
      await admin.deleteTopics({ topics: [input, output] }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 900_000);
});
