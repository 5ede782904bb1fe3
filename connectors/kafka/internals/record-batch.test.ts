import { randomBytes } from 'node:crypto';
import { CompressionTypes, type Message } from 'kafkajs';
import { installCompressionCodecs } from './compression-codecs';
import { encodeProduceBody, type PartitionBatch } from './produce-request';
import { encodeRecordBatch, setBaseSequence, sizeOfVarInt, sizeOfVarLong } from './record-batch';

// The oracle: kafkajs' own Produce v7 request encoder (its record batch v2 encoder, CRC32C and request framing), the
// path lockstep's encoder replaces. Used by this test only.
type KafkajsProduce = (request: {
  acks: number;
  timeout: number;
  transactionalId: string | null;
  producerId: string;
  producerEpoch: number;
  compression: number;
  topicData: { topic: string; partitions: { partition: number; firstSequence: number; messages: Message[] }[] }[];
}) => { encode(): Promise<{ buffer: Buffer }> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsProduceV7 = require('kafkajs/src/protocol/requests/produce/v7/request') as KafkajsProduce;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const KafkajsEncoder = require('kafkajs/src/protocol/encoder') as { sizeOfVarInt(v: number): number; sizeOfVarLong(v: number): number };

const NOW = 1_765_000_000_123;
const PRODUCER = { producerId: '4611686018427387905', producerEpoch: 7, transactional: true };

interface Partition {
  readonly topic: string;
  readonly partition: number;
  readonly firstSequence: number;
  readonly messages: Message[];
}

async function kafkajsBytes(partitions: readonly Partition[], compression = 0, transactionalId: string | null = 'tx-1'): Promise<Buffer> {
  const topics = [...new Set(partitions.map((entry) => entry.topic))];
  const request = kafkajsProduceV7({
    acks: -1,
    timeout: 30_000,
    transactionalId,
    producerId: PRODUCER.producerId,
    producerEpoch: PRODUCER.producerEpoch,
    compression,
    topicData: topics.map((topic) => ({
      topic,
      partitions: partitions.filter((entry) => entry.topic === topic).map(({ partition, firstSequence, messages }) => ({ partition, firstSequence, messages })),
    })),
  });
  return (await request.encode()).buffer;
}

async function lockstepBytes(partitions: readonly Partition[], compression = 0, transactionalId: string | null = 'tx-1'): Promise<Buffer> {
  const batches: PartitionBatch[] = [];
  for (const { topic, partition, firstSequence, messages } of partitions) {
    const batch = await encodeRecordBatch(messages, { ...PRODUCER, transactional: transactionalId !== null, compression }, NOW);
    setBaseSequence(batch, firstSequence);
    batches.push({ topic, partition, batch });
  }
  return encodeProduceBody({ transactionalId, acks: -1, timeoutMs: 30_000, batches });
}

async function expectSameBytes(partitions: readonly Partition[], compression = 0, transactionalId: string | null = 'tx-1'): Promise<void> {
  const ours = await lockstepBytes(partitions, compression, transactionalId);
  const theirs = await kafkajsBytes(partitions, compression, transactionalId);
  expect(ours.length).toBe(theirs.length);
  expect(ours.equals(theirs)).toBe(true);
}

const one = (messages: Message[], firstSequence = 0): Partition[] => [{ topic: 'out', partition: 0, firstSequence, messages }];

describe('encodeRecordBatch (RecordBatch v2) against kafkajs’ own encoder', () => {
  beforeAll(() => installCompressionCodecs());
  beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(NOW));
  afterEach(() => jest.restoreAllMocks());

  it('keyed records with headers and timestamps', async () => {
    const messages: Message[] = Array.from({ length: 20 }, (_, i) => ({
      key: Buffer.from(`key-${i}`),
      value: Buffer.from(JSON.stringify({ id: i, text: 'x'.repeat(i * 13) })),
      headers: { trace: Buffer.from(`t-${i}`), kind: 'text header', multi: [Buffer.from('a'), 'b', Buffer.alloc(0)] },
      timestamp: String(NOW - 5_000 + i * 17),
    }));
    await expectSameBytes(one(messages, 12_345));
  });

  it('null keys, null values (tombstones), empty values and keys, no headers, no timestamps', async () => {
    const messages: Message[] = [
      { key: null, value: Buffer.from('v') },
      { key: Buffer.from('k'), value: null },
      { key: Buffer.alloc(0), value: Buffer.alloc(0) },
      { value: '' },
      { key: 'string key', value: 'string value', headers: {} },
    ];
    await expectSameBytes(one(messages));
  });

  it('unicode keys, values and header names', async () => {
    const messages: Message[] = [
      { key: 'ключ-🔑', value: '値 — ünïcödé ✓ 𝄞', headers: { 'näme-名': 'välue-値', '🚀': Buffer.from('😀') } },
      { key: Buffer.from('é'), value: Buffer.from('日本語'.repeat(100)), timestamp: String(NOW) },
    ];
    await expectSameBytes(one(messages.slice(0, 1)));
    await expectSameBytes(one(messages.slice(1)));
  });

  it('big records and batches (1 MiB values, varints of 1–4 bytes, 5,000 records)', async () => {
    await expectSameBytes(one([{ key: Buffer.from('big'), value: randomBytes(1 << 20) }, { key: null, value: randomBytes(200_000) }]));
    const many: Message[] = Array.from({ length: 5_000 }, (_, i) => ({ key: Buffer.from(`r-${i}`), value: randomBytes((i * 37) % 3_000), timestamp: String(NOW - i) }));
    await expectSameBytes(one(many, 2_000_000_000));
  });

  it('several topics and partitions in one request; a non-transactional producer', async () => {
    const batch = (n: number): Message[] => Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`k${n}-${i}`), value: randomBytes(100 + i) }));
    const partitions: Partition[] = [
      { topic: 'a', partition: 2, firstSequence: 10, messages: batch(3) },
      { topic: 'a', partition: 0, firstSequence: 0, messages: batch(1) },
      { topic: 'b-ü', partition: 1, firstSequence: 99, messages: batch(7) },
    ];
    await expectSameBytes(partitions);
    await expectSameBytes(partitions, 0, null);
  });

  it.each([
    ['gzip', CompressionTypes.GZIP],
    ['snappy', CompressionTypes.Snappy],
    ['lz4', CompressionTypes.LZ4],
    ['zstd', CompressionTypes.ZSTD],
  ])('compressed with %s (the installed codecs)', async (_name, compression) => {
    const messages: Message[] = Array.from({ length: 300 }, (_, i) => ({
      key: Buffer.from(`key-${i}`),
      value: Buffer.from(`{"id":${i},"pad":"${'p'.repeat(500)}"}`),
      headers: { h: `${i}` },
      timestamp: String(NOW + i),
    }));
    await expectSameBytes(one(messages, 5), compression);
  });

  it('writes the base sequence and CRC again for another sequence; the same sequence gives the same bytes', async () => {
    const batch = await encodeRecordBatch([{ key: 'k', value: 'v' }], PRODUCER, NOW);
    setBaseSequence(batch, 5);
    const first = Buffer.from(batch.buffer);
    setBaseSequence(batch, 6);
    expect(batch.buffer.equals(first)).toBe(false);
    setBaseSequence(batch, 5);
    expect(batch.buffer.equals(first)).toBe(true);
  });

  it('refuses a message without a value and an empty batch', async () => {
    await expect(encodeRecordBatch([{ key: 'k' } as unknown as Message], PRODUCER)).rejects.toThrow('without a value');
    await expect(encodeRecordBatch([], PRODUCER)).rejects.toThrow('empty record batch');
  });

  it('sizes varints as kafkajs does', () => {
    for (const value of [0, 1, -1, 63, 64, -64, -65, 8191, 8192, 2 ** 20, -(2 ** 20), 2 ** 31 - 1, -(2 ** 31)]) {
      expect(sizeOfVarInt(value)).toBe(KafkajsEncoder.sizeOfVarInt(value));
    }
    for (const value of [0, 1, -1, 2 ** 31, -(2 ** 35), NOW, -NOW, 2 ** 53 - 1]) {
      expect(sizeOfVarLong(value)).toBe(KafkajsEncoder.sizeOfVarLong(value));
    }
  });
});
