import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestTopics, testKafka } from '../support/test-kafka';
import { testServices } from '../env';
import { committedSeqs } from '../support/committed-part-files';
import { readCommitted } from '../support/kafka-read-committed';
import { startLockstep } from '../support/lockstep-process';

/**
 * Whole pipelines through the CLI against the real broker: generator → Kafka (exactly-once sink), then that topic →
 * files (bounded Kafka source, exactly-once file sink). Every seq must arrive exactly once at each end.
 */
const { brokers } = testServices().kafka;
const RECORDS = 20_000;

const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b);
const expected = Array.from({ length: RECORDS }, (_, seq) => seq);

describe('kafka pipelines (lockstep run)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-kafka-pipelines-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('generator → kafka, then kafka → file: every seq exactly once at both ends', async () => {
    const topic = `pipelines-${randomUUID().slice(0, 8)}`;
    const admin = testKafka(brokers).admin();
    await admin.connect();
    try {
      await createTestTopics(admin, [{ topic, numPartitions: 3 }]);
      const brokerList = JSON.stringify(brokers);
      const toKafka = join(dir, 'to-kafka.yaml');
      await writeFile(
        toKafka,
        [
          `name: gen-to-kafka-${topic}`,
          `checkpoint: { interval: 200ms, timeout: 30s, storage: "${join(dir, 'chk-1')}" }`,
          'parallelism: 2',
          `sources: [{ id: gen, type: generator, count: ${RECORDS} }]`,
          `sinks: [{ id: out, type: kafka, brokers: ${brokerList}, topic: ${topic} }]`,
          '',
        ].join('\n'),
      );
      expect(await startLockstep(['run', toKafka], join(dir, 'to-kafka.log')).exited).toBe(0);
      const inKafka = (await readCommitted(brokers, topic)).map((message) => (JSON.parse(message.value ?? '{}') as { seq: number }).seq);
      expect(sorted(inKafka)).toEqual(expected);

      const toFiles = join(dir, 'to-files.yaml');
      const out = join(dir, 'out');
      await writeFile(
        toFiles,
        [
          `name: kafka-to-files-${topic}`,
          `checkpoint: { interval: 200ms, timeout: 30s, storage: "${join(dir, 'chk-2')}" }`,
          'parallelism: 3',
          `sources: [{ id: in, type: kafka, brokers: ${brokerList}, topics: [${topic}], bounded: latest, valueFormat: json }]`,
          `sinks: [{ id: files, type: file, path: "${out}" }]`,
          '',
        ].join('\n'),
      );
      expect(await startLockstep(['run', toFiles], join(dir, 'to-files.log')).exited).toBe(0);
      expect(sorted(await committedSeqs(out))).toEqual(expected);
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 120_000);
});
