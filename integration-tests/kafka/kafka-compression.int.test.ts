import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { testServices } from '../env';
import { type Codec, KafkaCliClients, type TextRecord } from '../support/kafka-cli-clients';
import { startLockstep } from '../support/lockstep-process';
import { createTestTopics, testKafka } from '../support/test-kafka';

/**
 * Compressed record batches both ways, checked with clients that are not kafkajs. For each codec, one topic is written
 * by Kafka's Java console producer and by kcat (librdkafka) with that codec; a lockstep pipeline (Kafka source →
 * Kafka sink, bytes in and out, the sink compressing with the same codec) copies it; Kafka's Java console consumer
 * and kcat, both read_committed, must see every record exactly once, bytes equal. The codec of every batch on disk, in
 * and out, is checked with Kafka's kafka-dump-log, and the bytes on disk with kafka-log-dirs.
 */
const { brokers, version } = testServices().kafka;
const local = testServices().provider === 'local';
const RECORDS_PER_PRODUCER = 400;

/** Compressible, distinct, with multi-byte UTF-8: what a byte-exact copy must keep. */
function records(writer: string, codec: Codec): TextRecord[] {
  return Array.from({ length: RECORDS_PER_PRODUCER }, (_, i) => ({
    key: `${writer}-${codec}-${i}`,
    value: `{"writer":"${writer}","codec":"${codec}","n":${i},"note":"é→🙂 ${'compressible text '.repeat(8)}"}`,
  }));
}

const sorted = (list: readonly TextRecord[]): string[] => list.map((record) => `${record.key}\t${record.value}`).sort();
const rawBytes = (list: readonly TextRecord[]): number => list.reduce((sum, record) => sum + Buffer.byteLength(record.key) + Buffer.byteLength(record.value), 0);

describe('kafka compression with non-kafkajs producers and consumers', () => {
  let clients: KafkaCliClients;
  let admin: Admin;
  let dir: string;
  const topics: string[] = [];

  beforeAll(async () => {
    clients = await KafkaCliClients.prepare(version);
    admin = testKafka(brokers).admin();
    await admin.connect();
  }, 300_000);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-kafka-compression-'));
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  afterAll(async () => {
    if (topics.length > 0) await admin.deleteTopics({ topics: topics.splice(0) }).catch(() => undefined);
    await admin.disconnect();
  });

  /** Runs a bounded pipeline copying `input` to `output` byte for byte, the sink compressing with `codec`. */
  async function copy(input: string, output: string, codec: Codec, semantic: string): Promise<void> {
    const config = join(dir, 'copy.yaml');
    const kafka = `type: kafka, brokers: ${JSON.stringify(brokers)}`;
    await writeFile(
      config,
      [
        `name: compression-${output}`,
        `checkpoint: { interval: 200ms, timeout: 30s, storage: "${join(dir, 'checkpoints')}" }`,
        'parallelism: 2',
        `sources: [{ id: in, ${kafka}, topics: [${input}], bounded: latest, keyFormat: bytes, valueFormat: bytes }]`,
        `sinks: [{ id: out, ${kafka}, topic: ${output}, keyFormat: bytes, valueFormat: bytes, compression: ${codec}, semantic: ${semantic} }]`,
        '',
      ].join('\n'),
    );
    expect(await startLockstep(['run', config], join(dir, 'copy.log')).exited).toBe(0);
  }

  /** The codec of every data batch of `topic` on the broker's disk (the local test bed's log dir is on this machine). */
  async function codecsOnDisk(topic: string, logDir: string): Promise<string[]> {
    const folders = (await readdir(logDir)).filter((name) => name.startsWith(`${topic}-`));
    const segments = await Promise.all(
      folders.map(async (folder) => (await readdir(join(logDir, folder))).filter((name) => name.endsWith('.log')).map((name) => join(logDir, folder, name))),
    );
    return clients.batchCodecs(segments.flat());
  }

  it.each([
    ['gzip', 'exactly-once'],
    ['snappy', 'exactly-once'],
    ['lz4', 'exactly-once'],
    ['zstd', 'exactly-once'],
    ['lz4', 'at-least-once'],
  ] as const)('%s: Java and kcat batches read by the source, the %s sink\'s batches read by Java and kcat', async (codec, semantic) => {
    const suffix = randomUUID().slice(0, 8);
    const input = `compressed-in-${codec}-${suffix}`;
    const output = `compressed-out-${codec}-${suffix}`;
    topics.push(input, output);
    await createTestTopics(admin, [input, output].map((topic) => ({ topic, numPartitions: 3 })));
    const written = [...records('java', codec), ...records('kcat', codec)];
    await clients.javaProduce(brokers, input, written.slice(0, RECORDS_PER_PRODUCER), codec);
    await clients.kcatProduce(brokers, input, written.slice(RECORDS_PER_PRODUCER), codec);

    await copy(input, output, codec, semantic);

    const [byKcat, byJava, onDisk] = await Promise.all([
      clients.kcatConsume(brokers, output),
      clients.javaConsume(brokers, output, written.length),
      clients.logDirs(brokers, [input, output]),
    ]);
    expect(sorted(byKcat)).toEqual(sorted(written));
    expect(sorted(byJava)).toEqual(sorted(written));

    const bytesOf = (topic: string): number => onDisk.filter((entry) => entry.partition.startsWith(`${topic}-`)).reduce((sum, entry) => sum + entry.size, 0);
    expect(bytesOf(input)).toBeLessThan(rawBytes(written) / 3);
    expect(bytesOf(output)).toBeLessThan(rawBytes(written) / 3);
    const logDir = onDisk[0]?.logDir ?? '';
    if (local) expect(existsSync(logDir)).toBe(true);
    if (existsSync(logDir)) {
      for (const topic of [input, output]) {
        const codecs = await codecsOnDisk(topic, logDir);
        expect(codecs.length).toBeGreaterThan(0);
        expect(new Set(codecs)).toEqual(new Set([codec]));
      }
    }
  }, 240_000);
});
