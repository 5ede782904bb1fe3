/**
 * lockstep's Kafka RecordBatch v2 (magic 2) encoder for the produce path, in place of kafkajs'
 * (`src/protocol/recordBatch/v0`), which grows a `Buffer` per record and header, copies it into the batch, and
 * checksums in byte-at-a-time JavaScript — about half of the saturated sink's CPU with its garbage
 * (docs/benchmarks.md, "Where the time goes"). Here every record's size is computed first (varint lengths, key,
 * value, headers), then the batch is written into one buffer of exactly that size, and its CRC32C comes from
 * `@node-rs/crc32` ({@link crc32c}). The bytes are the ones kafkajs writes for the same messages (unit tests compare
 * them): the same timestamps (the smallest given one as the batch's first timestamp, the time of encoding for messages
 * without), partition leader epoch 0, and records in the order given.
 *
 * The batch is encoded once per send; its base sequence is written (and the CRC computed) when the send takes the
 * broker's lock ({@link setBaseSequence}), so a retry resends the identical bytes with the same base sequence.
 */
import type { IHeaders, Message } from 'kafkajs';
import { LockstepError } from '../../../core/sdk';
import { compressionName, compressRecords } from '../compression';
import { crc32c } from './crc32c';

/** Bytes before the records: base offset … record count (Kafka's DefaultRecordBatch). */
export const BATCH_HEADER_BYTES = 61;
const LENGTH_OFFSET = 8;
const CRC_OFFSET = 17;
/** The CRC covers everything from the attributes on. */
const ATTRIBUTES_OFFSET = 21;
const BASE_SEQUENCE_OFFSET = 53;
const MAGIC = 2;
const TRANSACTIONAL = 0x10;

/** Who writes the batch: the producer id and epoch of an idempotent or transactional producer. */
export interface BatchProducer {
  /** A 64-bit id, as a decimal string (kafkajs' eosManager keeps it so). */
  readonly producerId: string;
  readonly producerEpoch: number;
  readonly transactional: boolean;
  /** A codec id (kafkajs `CompressionTypes`); 0 or undefined: none. */
  readonly compression?: number;
}

/** One partition's encoded batch, ready to send once {@link setBaseSequence} has given it its sequence. */
export interface EncodedBatch {
  readonly buffer: Buffer;
  readonly count: number;
}

/** A message's key, value and headers as bytes, with the record's size (its body, without the length varint). */
interface RecordParts {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly (readonly [Buffer, Buffer | null])[];
  readonly timestampDelta: number;
  readonly bodySize: number;
}

function bytesOf(value: Buffer | string | null | undefined): Buffer | null {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8');
}

/** Bytes of a signed 32-bit varint (zigzag). */
export function sizeOfVarInt(value: number): number {
  let encoded = ((value << 1) ^ (value >> 31)) >>> 0;
  let size = 1;
  while (encoded >= 0x80) {
    encoded >>>= 7;
    size += 1;
  }
  return size;
}

/** Bytes of a signed 64-bit varint (zigzag) of a safe integer. */
export function sizeOfVarLong(value: number): number {
  let encoded = value >= 0 ? value * 2 : -value * 2 - 1;
  let size = 1;
  while (encoded >= 0x80) {
    encoded = Math.floor(encoded / 128);
    size += 1;
  }
  return size;
}

function sizeOfBytes(bytes: Buffer | null): number {
  return bytes === null ? 1 : sizeOfVarInt(bytes.length) + bytes.length;
}

const NO_HEADERS: readonly (readonly [Buffer, Buffer | null])[] = [];

function headerPairs(headers: IHeaders | undefined): readonly (readonly [Buffer, Buffer | null])[] {
  if (headers === undefined) return NO_HEADERS;
  const pairs: (readonly [Buffer, Buffer | null])[] = [];
  for (const name of Object.keys(headers)) {
    const entry = headers[name];
    const key = Buffer.from(name, 'utf8');
    if (Array.isArray(entry)) for (const value of entry) pairs.push([key, bytesOf(value)]);
    else pairs.push([key, bytesOf(entry)]);
  }
  return pairs;
}

function recordParts(message: Message, offsetDelta: number, timestampDelta: number): RecordParts {
  if (message.value === undefined) {
    throw new LockstepError('a Kafka message without a value cannot be produced (null is a tombstone)', { code: 'LS_INTERNAL' });
  }
  const key = bytesOf(message.key);
  const value = bytesOf(message.value);
  const headers = headerPairs(message.headers);
  let headersSize = sizeOfVarInt(headers.length);
  for (const [name, headerValue] of headers) headersSize += sizeOfBytes(name) + sizeOfBytes(headerValue);
  const bodySize = 1 + sizeOfVarLong(timestampDelta) + sizeOfVarInt(offsetDelta) + sizeOfBytes(key) + sizeOfBytes(value) + headersSize;
  return { key, value, headers, timestampDelta, bodySize };
}

/** The batch's first and maximum timestamps, as kafkajs takes them: of the messages that have one, else `now`. */
function timestampsOf(messages: readonly Message[], now: number): { first: number; max: number; of: (message: Message) => number } {
  let first = Infinity;
  let max = -Infinity;
  for (const message of messages) {
    if (message.timestamp === undefined || message.timestamp === null) continue;
    const timestamp = Number(message.timestamp);
    if (timestamp < first) first = timestamp;
    if (timestamp > max) max = timestamp;
  }
  if (first === Infinity) return { first: now, max: now, of: () => now };
  return { first, max, of: (message) => (message.timestamp === undefined || message.timestamp === null ? now : Number(message.timestamp)) };
}

/** Writes into a buffer sized beforehand; never grows. */
class Writer {
  offset: number;

  constructor(
    readonly buffer: Buffer,
    start: number,
  ) {
    this.offset = start;
  }

  varInt(value: number): void {
    let encoded = ((value << 1) ^ (value >> 31)) >>> 0;
    while (encoded >= 0x80) {
      this.buffer[this.offset++] = (encoded & 0x7f) | 0x80;
      encoded >>>= 7;
    }
    this.buffer[this.offset++] = encoded;
  }

  varLong(value: number): void {
    let encoded = value >= 0 ? value * 2 : -value * 2 - 1;
    while (encoded >= 0x80) {
      this.buffer[this.offset++] = (encoded % 128) | 0x80;
      encoded = Math.floor(encoded / 128);
    }
    this.buffer[this.offset++] = encoded;
  }

  bytes(bytes: Buffer | null): void {
    if (bytes === null) {
      this.varInt(-1);
      return;
    }
    this.varInt(bytes.length);
    bytes.copy(this.buffer, this.offset);
    this.offset += bytes.length;
  }

  record(parts: RecordParts, offsetDelta: number): void {
    this.varInt(parts.bodySize);
    this.buffer[this.offset++] = 0; // record attributes: none defined
    this.varLong(parts.timestampDelta);
    this.varInt(offsetDelta);
    this.bytes(parts.key);
    this.bytes(parts.value);
    this.varInt(parts.headers.length);
    for (const [name, value] of parts.headers) {
      this.bytes(name);
      this.bytes(value);
    }
  }
}

/** The records of a batch, written after `start` bytes of `size` room in total. */
function writeRecords(parts: readonly RecordParts[], start: number, recordsSize: number): Buffer {
  const writer = new Writer(Buffer.allocUnsafe(start + recordsSize), start);
  for (let i = 0; i < parts.length; i += 1) writer.record(parts[i] as RecordParts, i);
  return writer.buffer;
}

/** Fills in the 61 header bytes of `batch` (base sequence 0 and no CRC yet: {@link setBaseSequence} adds both). */
function writeHeader(batch: Buffer, producer: BatchProducer, count: number, first: number, max: number, codec: number): void {
  batch.writeBigInt64BE(0n, 0); // base offset: the broker assigns it
  batch.writeInt32BE(batch.length - 12, LENGTH_OFFSET);
  batch.writeInt32BE(0, 12); // partition leader epoch (kafkajs writes 0; the broker sets it)
  batch.writeInt8(MAGIC, 16);
  batch.writeUInt32BE(0, CRC_OFFSET);
  batch.writeInt16BE(codec | (producer.transactional ? TRANSACTIONAL : 0), ATTRIBUTES_OFFSET);
  batch.writeInt32BE(count - 1, 23); // last offset delta
  batch.writeBigInt64BE(BigInt(first), 27);
  batch.writeBigInt64BE(BigInt(max), 35);
  batch.writeBigInt64BE(BigInt(producer.producerId), 43);
  batch.writeInt16BE(producer.producerEpoch, 51);
  batch.writeInt32BE(0, BASE_SEQUENCE_OFFSET);
  batch.writeInt32BE(count, 57);
}

/**
 * One partition's messages as a RecordBatch v2, compressed when the producer has a codec; `now` stands for the time
 * of messages without a timestamp. Base sequence and CRC are written by {@link setBaseSequence}.
 */
export async function encodeRecordBatch(messages: readonly Message[], producer: BatchProducer, now = Date.now()): Promise<EncodedBatch> {
  if (messages.length === 0) throw new LockstepError('an empty record batch cannot be produced', { code: 'LS_INTERNAL' });
  const timestamps = timestampsOf(messages, now);
  const parts = new Array<RecordParts>(messages.length);
  let recordsSize = 0;
  for (let i = 0; i < messages.length; i += 1) {
    const message = messages[i] as Message;
    const part = recordParts(message, i, timestamps.of(message) - timestamps.first);
    parts[i] = part;
    recordsSize += sizeOfVarInt(part.bodySize) + part.bodySize;
  }
  const codecId = producer.compression ?? 0;
  let batch: Buffer;
  if (codecId === 0) {
    batch = writeRecords(parts, BATCH_HEADER_BYTES, recordsSize);
  } else {
    const codec = compressionName(codecId);
    if (codec === undefined || codec === 'none') {
      throw new LockstepError(`cannot produce with compression codec id ${codecId}: Kafka does not define it`, { code: 'LS_KAFKA_COMPRESSION' });
    }
    const compressed = await compressRecords(codec, writeRecords(parts, 0, recordsSize));
    batch = Buffer.allocUnsafe(BATCH_HEADER_BYTES + compressed.length);
    compressed.copy(batch, BATCH_HEADER_BYTES);
  }
  writeHeader(batch, producer, messages.length, timestamps.first, timestamps.max, codecId);
  return { buffer: batch, count: messages.length };
}

/** Gives `batch` its base sequence and computes its CRC32C; the same sequence gives the same bytes. */
export function setBaseSequence(batch: EncodedBatch, baseSequence: number): void {
  batch.buffer.writeInt32BE(baseSequence, BASE_SEQUENCE_OFFSET);
  batch.buffer.writeUInt32BE(crc32c(batch.buffer.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
}
