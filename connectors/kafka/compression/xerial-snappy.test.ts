import { createHash } from 'node:crypto';
import { uncompressSync } from 'snappy';
import { decodeKafkaSnappy, encodeXerialSnappy, isXerialFramed, XERIAL_BLOCK_BYTES } from './xerial-snappy';

/** Length and digest: jest's deep equality of large Buffers takes seconds. */
const digest = (data: Buffer): string => `${data.length}:${createHash('sha256').update(data).digest('hex')}`;
const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
/** snappy-java's header: magic 0x82 "SNAPPY" 0x00, version 1, minimum compatible version 1. */
const XERIAL_HEADER = '82534e4150505900 00000001 00000001';
/** Raw snappy blocks written by hand: a varint length, then one literal (tag `(length - 1) << 2`). */
const RAW_HELLO = '05 10 68656c6c6f'; // "hello"
const RAW_KAFKA = '06 14 206b61666b61'; // " kafka"

describe('Kafka snappy (xerial framing)', () => {
  it('reads xerial-framed chunks as the Java client writes them', () => {
    const framed = hex(`${XERIAL_HEADER} 00000007 ${RAW_HELLO} 00000008 ${RAW_KAFKA}`);
    expect(isXerialFramed(framed)).toBe(true);
    expect(decodeKafkaSnappy(framed).toString()).toBe('hello kafka');
  });

  it('reads one raw snappy block, as librdkafka writes it', () => {
    expect(isXerialFramed(hex(RAW_HELLO))).toBe(false);
    expect(decodeKafkaSnappy(hex(RAW_HELLO)).toString()).toBe('hello');
  });

  it('skips a second header between chunks (concatenated snappy-java streams) and empty chunks', () => {
    const framed = hex(`${XERIAL_HEADER} 00000007 ${RAW_HELLO} ${XERIAL_HEADER} 00000000 00000008 ${RAW_KAFKA}`);
    expect(decodeKafkaSnappy(framed).toString()).toBe('hello kafka');
  });

  it('writes the header and one chunk per 32 KiB of input, each a raw snappy block', () => {
    const input = Buffer.from(Array.from({ length: 100 * 1024 }, (_, i) => (i * 7) % 251));
    const framed = encodeXerialSnappy(input);
    expect(framed.subarray(0, 16)).toEqual(hex(XERIAL_HEADER));
    const chunks: Buffer[] = [];
    for (let position = 16; position < framed.length; ) {
      const length = framed.readInt32BE(position);
      chunks.push(uncompressSync(framed.subarray(position + 4, position + 4 + length), { asBuffer: true }) as Buffer);
      position += 4 + length;
    }
    expect(chunks.map((chunk) => chunk.length)).toEqual([XERIAL_BLOCK_BYTES, XERIAL_BLOCK_BYTES, XERIAL_BLOCK_BYTES, 4 * 1024]);
    expect(digest(Buffer.concat(chunks))).toBe(digest(input));
    expect(digest(decodeKafkaSnappy(framed))).toBe(digest(input));
  });

  it('round-trips an empty payload', () => {
    expect(decodeKafkaSnappy(encodeXerialSnappy(Buffer.alloc(0)))).toEqual(Buffer.alloc(0));
  });

  it('refuses a chunk cut off, naming where', () => {
    const cut = hex(`${XERIAL_HEADER} 00000009 ${RAW_HELLO}`);
    expect(() => decodeKafkaSnappy(cut)).toThrow(expect.objectContaining({ code: 'LS_KAFKA_COMPRESSION', message: expect.stringContaining('at byte 16 claims 9 bytes, 7 are left') }));
    expect(() => decodeKafkaSnappy(hex(`${XERIAL_HEADER} 0000`))).toThrow(/chunk length cut off at byte 16/);
  });
});
