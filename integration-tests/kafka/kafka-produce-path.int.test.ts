import { randomUUID } from 'node:crypto';
import { CompressionTypes, type Admin, type Message } from 'kafkajs';
import { createTestTopics, testKafka } from '../support/test-kafka';
import { createCluster, endTransaction, KafkaTransaction, type KafkaCluster } from '../../connectors/kafka/internals';
import { keyPartition } from '../../connectors/kafka/murmur2';
import { testServices } from '../env';
import { readCommitted, type CommittedMessage } from '../support/kafka-read-committed';

/**
 * lockstep's own produce path (connectors/kafka/internals/produce.ts: record batches encoded by record-batch.ts, CRC32C
 * from @node-rs/crc32, the Produce request sent through kafkajs' broker connection) read back by an independent
 * client: kcat (librdkafka), read_committed. Keys, values, headers (repeated, binary, unicode, empty), timestamps and
 * partitions (murmur2 of the key, as Kafka's default partitioner) must come back as sent; a transaction that is
 * aborted must not be seen; several sends in one transaction continue the partitions' sequence numbers. Runs on
 * Kafka 4.x (integration project) and 3.9 (integration-kafka3).
 */
const { brokers } = testServices().kafka;
const PARTITIONS = 3;
const BASE_TIME = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

function messages(prefix: string, count: number): Message[] {
  return Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`${prefix}-${i}`),
    value: Buffer.from(JSON.stringify({ id: `${prefix}-${i}`, text: 'ü✓🚀'.repeat(i % 7), pad: 'x'.repeat((i * 131) % 2_000) })),
    headers: { trace: Buffer.from(`t-${i}`), 'näme-名': 'välue-値', multi: [Buffer.from([0, 1, 2, 255]), 'second'] },
    timestamp: String(BASE_TIME + i * 1_000),
  }));
}

const SPECIAL: Message[] = [
  { key: null, value: Buffer.from('no key'), partition: 1, timestamp: String(BASE_TIME) },
  { key: Buffer.from('tombstone'), value: null, timestamp: String(BASE_TIME) },
  { key: Buffer.from('empty'), value: Buffer.alloc(0), headers: { empty: Buffer.alloc(0) }, timestamp: String(BASE_TIME) },
];

function expectRecord(read: CommittedMessage, sent: Message): void {
  const key = sent.key === null || sent.key === undefined ? null : Buffer.from(sent.key);
  expect(read.keyBytes).toEqual(key);
  expect(read.valueBytes).toEqual(sent.value === null ? null : Buffer.from(sent.value as Buffer));
  expect(read.timestamp).toBe(Number(sent.timestamp));
  const expectedPartition = key === null ? sent.partition : keyPartition(key, PARTITIONS);
  expect(read.partition).toBe(expectedPartition);
  const headers: Record<string, Buffer | Buffer[]> = {};
  for (const [name, value] of Object.entries(sent.headers ?? {})) {
    headers[name] = Array.isArray(value) ? value.map((entry) => Buffer.from(entry)) : Buffer.from(value as Buffer | string);
  }
  expect(read.headers).toEqual(headers);
}

describe('kafka produce path (lockstep record batches, oracle: kcat read_committed)', () => {
  let admin: Admin;
  let cluster: KafkaCluster;
  let topic: string;
  const client = testKafka(brokers);

  // a cluster per test, as the sink has one per writer: a kafkajs cluster keeps refreshing metadata of every topic it
  // sent to, and would fail on the topic an earlier test deleted
  beforeEach(async () => {
    topic = `produce-path-${randomUUID().slice(0, 8)}`;
    admin = client.admin();
    await admin.connect();
    await createTestTopics(admin, [{ topic, numPartitions: PARTITIONS }]);
    cluster = createCluster(client);
    await cluster.connect();
  });

  afterEach(async () => {
    await cluster.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  async function begin(compression?: CompressionTypes): Promise<KafkaTransaction> {
    return KafkaTransaction.begin(client, cluster, { transactionalId: `${topic}-tx-${randomUUID().slice(0, 6)}`, transactionTimeoutMs: 60_000, compression });
  }

  it.each([
    ['uncompressed', undefined],
    ['lz4', CompressionTypes.LZ4],
    ['zstd', CompressionTypes.ZSTD],
  ] as const)('%s: committed records come back byte for byte; aborted ones never', async (_name, compression) => {
    const first = messages('a', 400);
    const second = [...messages('b', 250), ...SPECIAL];
    const committed = await begin(compression);
    await committed.send([{ topic, messages: first }]);
    await committed.send([{ topic, messages: second.slice(0, 100) }, { topic, messages: second.slice(100) }]);
    const aborted = await begin(compression);
    await aborted.send([{ topic, messages: messages('aborted', 50) }]);
    await aborted.abort();
    committed.release();
    await endTransaction(cluster, committed.handle, true);

    const read = await readCommitted(brokers, topic);
    const sent = [...first, ...second];
    expect(read).toHaveLength(sent.length);
    const byKey = new Map(sent.map((message) => [message.key === null ? '<null>' : String(message.key), message]));
    for (const record of read) {
      const message = byKey.get(record.keyBytes === null ? '<null>' : record.keyBytes.toString('utf8'));
      if (message === undefined) throw new Error(`kcat read a record that was not sent: ${record.key}`);
      expectRecord(record, message);
    }
    // within a partition, the order sent
    for (let partition = 0; partition < PARTITIONS; partition += 1) {
      const keys = read.filter((record) => record.partition === partition).map((record) => record.key);
      const sentKeys = sent.filter((message) => byKey.get(message.key === null ? '<null>' : String(message.key)) === message)
        .filter((message) => (message.key === null ? message.partition : keyPartition(message.key as Buffer, PARTITIONS)) === partition)
        .map((message) => (message.key === null ? null : String(message.key)));
      expect(keys).toEqual(sentKeys);
    }
  });
});
