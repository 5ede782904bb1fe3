import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { fetchFailureAction } from '../kafka-errors';
import type { KafkaBroker, KafkaFetchResponse } from './cluster';
import { batchAround, compressionType, installCompressionCodecs } from './compression-codecs';
import { fetchPartitions } from './fetch';

/* eslint-disable @typescript-eslint/no-require-imports */
// kafkajs' own record batch encoder and decoder, and its Fetch v11 response decoder: the code paths the codecs plug into
type EncoderLike = { buffer: Buffer; writeInt16(v: number): EncoderLike; writeInt32(v: number): EncoderLike; writeInt64(v: unknown): EncoderLike };
type EncoderClass = new () => EncoderLike & { writeString(v: string): EncoderLike; writeBytes(v: Buffer): EncoderLike };
const Encoder = require('kafkajs/src/protocol/encoder') as EncoderClass;
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const Long = require('kafkajs/src/utils/long') as { fromValue(value: number): unknown };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: { offsetDelta: number; key: Buffer | null; value: Buffer }) => unknown;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (batch: { compression: number; firstOffset: unknown; lastOffsetDelta: number; records: unknown[] }) => Promise<EncoderLike>;
};
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<{ records: { offset: string; value: Buffer }[] }>;
const fetchResponse = require('kafkajs/src/protocol/requests/fetch/v11/response') as { decode(raw: Buffer): Promise<KafkaFetchResponse>; parse(decoded: unknown): Promise<KafkaFetchResponse> };
/* eslint-enable @typescript-eslint/no-require-imports */

/** Offset of the attributes (int16) in a v2 record batch: base offset, length, leader epoch, magic, crc. */
const ATTRIBUTES_AT = 21;

/** A v2 record batch as on the wire (base offset, length, …), written by kafkajs with `compression`. */
async function batch(firstOffset: number, values: readonly string[], compression: number): Promise<Buffer> {
  const records = values.map((value, offsetDelta) => Record({ offsetDelta, key: null, value: Buffer.from(value) }));
  const encoded = await RecordBatch({ compression, firstOffset: Long.fromValue(firstOffset), lastOffsetDelta: values.length - 1, records });
  return Buffer.from(encoded.buffer);
}

/** `bytes` with the codec bits of its attributes set to `id` (kafkajs checks no CRC when reading). */
function withCodecId(bytes: Buffer, id: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeInt16BE((copy.readInt16BE(ATTRIBUTES_AT) & ~0x07) | id, ATTRIBUTES_AT);
  return copy;
}

/** A Fetch v11 response of topic `t` holding `batches` for the partitions asked for, decoded by kafkajs. */
async function answer(request: { topics: { partitions: { partition: number }[] }[] }, batches: ReadonlyMap<number, Buffer>): Promise<KafkaFetchResponse> {
  const asked = request.topics.flatMap((topic) => topic.partitions.map((entry) => entry.partition));
  const encoder = new Encoder();
  encoder.writeInt32(0).writeInt16(0).writeInt32(0).writeInt32(1);
  encoder.writeString('t');
  encoder.writeInt32(asked.length);
  for (const partition of asked) {
    encoder.writeInt32(partition).writeInt16(0).writeInt64(Long.fromValue(100)).writeInt64(Long.fromValue(100)).writeInt64(Long.fromValue(0));
    encoder.writeInt32(0).writeInt32(-1); // no aborted transactions, no preferred replica
    encoder.writeBytes(batches.get(partition) ?? Buffer.alloc(0));
  }
  return fetchResponse.parse(await fetchResponse.decode(encoder.buffer));
}

function brokerWith(batches: ReadonlyMap<number, Buffer>): KafkaBroker & { fetches: number } {
  const broker = {
    fetches: 0,
    fetch: async (request: Parameters<KafkaBroker['fetch']>[0]) => {
      broker.fetches += 1;
      return answer(request, batches);
    },
  };
  return broker as unknown as KafkaBroker & { fetches: number };
}

const fetchRequest = (partitions: { partition: number; fetchOffset: number }[]) => ({
  isolationLevel: 1,
  maxWaitTime: 10,
  minBytes: 1,
  maxBytes: 1_000_000,
  partitions: partitions.map((entry) => ({ topic: 't', ...entry, maxBytes: 100_000 })),
});

beforeAll(() => installCompressionCodecs());

describe('batch codecs in kafkajs', () => {
  it.each([
    ['gzip', CompressionTypes.GZIP],
    ['snappy', CompressionTypes.Snappy],
    ['lz4', CompressionTypes.LZ4],
    ['zstd', CompressionTypes.ZSTD],
  ] as const)('kafkajs writes and reads %s batches through the registry', async (name, type) => {
    expect(compressionType(name)).toBe(type);
    const values = Array.from({ length: 50 }, (_, i) => `value-${i} ${'é'.repeat(i)}`);
    const bytes = await batch(40, values, type);
    expect(bytes.readInt16BE(ATTRIBUTES_AT) & 0x07).toBe(type);
    const decoded = await decodeRecordBatch(new Decoder(bytes));
    expect(decoded.records.map((record) => [record.offset, record.value.toString()])).toEqual(values.map((value, i) => [String(40 + i), value]));
  });

  it('refuses codec ids Kafka does not define, naming the batch\'s offsets', async () => {
    const bytes = withCodecId(await batch(42, ['a', 'b', 'c'], CompressionTypes.GZIP), 5);
    await expect(decodeRecordBatch(new Decoder(bytes))).rejects.toMatchObject({
      code: 'LS_KAFKA_COMPRESSION',
      message: 'the record batch at offsets 42–44 names compression codec id 5, which Kafka does not define (lockstep reads gzip, snappy, lz4, zstd)',
      context: { codec: 'id 5', batchOffset: '42' },
    });
    const registry = CompressionCodecs as unknown as Record<number, () => { compress(encoder: { buffer: Buffer }): Promise<Buffer> }>;
    await expect(registry[6]?.().compress({ buffer: Buffer.from('x') })).rejects.toMatchObject({ code: 'LS_KAFKA_COMPRESSION' });
  });

  it('names a batch whose bytes its codec cannot decompress, with the codec\'s reason', async () => {
    const bytes = await batch(7, ['x'.repeat(500)], CompressionTypes.LZ4);
    bytes.fill(0xff, bytes.length - 8); // damage the end of the LZ4 frame
    await expect(decodeRecordBatch(new Decoder(bytes))).rejects.toMatchObject({
      code: 'LS_KAFKA_COMPRESSION',
      message: expect.stringMatching(/^the record batch at offsets 7–7 is compressed with lz4 and cannot be decompressed: .+/),
      context: { codec: 'lz4', batchOffset: '7' },
    });
  });

  it('finds no batch header around a copied buffer', async () => {
    const bytes = await batch(0, ['a'], CompressionTypes.GZIP);
    expect(batchAround(Buffer.from(bytes.subarray(61)), CompressionTypes.GZIP)).toBeUndefined();
    expect(batchAround(bytes.subarray(61), CompressionTypes.GZIP)).toEqual({ baseOffset: '0', lastOffset: '0' });
    expect(batchAround(bytes.subarray(61), CompressionTypes.LZ4)).toBeUndefined();
  });
});

describe('fetchPartitions with a batch it cannot decompress', () => {
  it('reads the partitions it can, and names the partition, offsets and codec of one it cannot (not retried)', async () => {
    const batches = new Map([
      [0, await batch(5, ['p0-5', 'p0-6'], CompressionTypes.ZSTD)],
      [1, withCodecId(await batch(7, ['p1-7', 'p1-8'], CompressionTypes.GZIP), 7)],
      [2, await batch(0, ['p2-0'], CompressionTypes.Snappy)],
    ]);
    const broker = brokerWith(batches);
    const good = await fetchPartitions(broker, fetchRequest([{ partition: 0, fetchOffset: 5 }]));
    expect(good[0]?.messages.map((message) => message.value?.toString())).toEqual(['p0-5', 'p0-6']);

    broker.fetches = 0;
    const failure = fetchPartitions(broker, fetchRequest([0, 1, 2].map((partition) => ({ partition, fetchOffset: partition === 1 ? 7 : 0 }))));
    await expect(failure).rejects.toMatchObject({
      code: 'LS_KAFKA_COMPRESSION',
      retriable: false,
      message:
        'kafka source cannot read t/1 (fetched from offset 7): the record batch at offsets 7–8 names compression codec id 7, ' +
        'which Kafka does not define (lockstep reads gzip, snappy, lz4, zstd)',
      context: { topic: 't', partition: 1, fetchOffset: 7, codec: 'id 7', batchOffset: '7' },
    });
    expect(broker.fetches).toBe(3); // the fetch of all three, then partition 0 alone, then partition 1 alone
    expect(fetchFailureAction(await failure.catch((error: unknown) => error))).toBe('fail');
  });
});
