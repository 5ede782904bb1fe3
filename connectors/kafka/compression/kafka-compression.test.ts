import { createHash, randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { compressionName, compressionUnavailable, compressRecords, decompressRecords, KAFKA_COMPRESSION_IDS, type KafkaCodec } from './kafka-compression';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const CODECS: readonly KafkaCodec[] = ['gzip', 'snappy', 'lz4', 'zstd'];
const HELLO = 'hello kafka hello kafka hello kafka hello kafka';

/** Length and digest: jest's deep equality of megabyte Buffers takes seconds. */
const digest = (data: Buffer): string => `${data.length}:${createHash('sha256').update(data).digest('hex')}`;

/** Records-section-like input: repetitive text (compresses) with random bytes in it (does not). */
function payload(bytes: number): Buffer {
  const parts: Buffer[] = [];
  for (let size = 0; size < bytes; size += 1_100) parts.push(Buffer.from(`record ${size} ${'x'.repeat(64)} é→🙂 `), randomBytes(1_000));
  return Buffer.concat(parts).subarray(0, bytes);
}

describe('Kafka batch codecs', () => {
  it.each(CODECS)('%s round-trips empty, small and 1 MiB inputs', async (codec) => {
    for (const input of [Buffer.alloc(0), Buffer.from(HELLO), payload(1024 * 1024)]) {
      const compressed = await compressRecords(codec, input);
      expect(digest(await decompressRecords(codec, compressed))).toBe(digest(input));
    }
    const repetitive = Buffer.from(HELLO.repeat(1_000));
    expect((await compressRecords(codec, repetitive)).length).toBeLessThan(repetitive.length / 10);
  });

  it('writes each codec in its format: gzip member, xerial snappy, LZ4 frame, zstd frame', async () => {
    const input = Buffer.from(HELLO);
    expect((await compressRecords('gzip', input)).subarray(0, 2)).toEqual(hex('1f8b'));
    expect((await compressRecords('snappy', input)).subarray(0, 8)).toEqual(hex('82534e4150505900'));
    expect((await compressRecords('zstd', input)).subarray(0, 4)).toEqual(hex('28b52ffd'));
    const lz4 = await compressRecords('lz4', input);
    expect(lz4.subarray(0, 4)).toEqual(hex('04224d18'));
    // FLG: version 01, independent blocks (Kafka's Java KafkaLZ4BlockInputStream refuses dependent ones), no dictionary
    const flg = lz4[4] as number;
    expect(flg >> 6).toBe(1);
    expect(flg & 0x20).toBe(0x20);
    expect(flg & 0x01).toBe(0);
  });

  it('reads known LZ4 frames: as Kafka\'s Java producer writes them, and with checksums and linked blocks', async () => {
    // FLG 0x60 BD 0x40 (64 KiB blocks, independent, no checksums): the frame KafkaLZ4BlockOutputStream writes
    const javaShaped = hex('04224d1860408216000000cf68656c6c6f206b61666b61200c000b506b61666b6100000000');
    // FLG 0x74: independent blocks with block checksums and a content checksum; FLG 0x64: linked blocks
    const checksummed = hex('04224d187440bd16000000cf68656c6c6f206b61666b61200c000b506b61666b610db1cb5c00000000ca5ee029');
    const linked = hex('04224d186440a716000000cf68656c6c6f206b61666b61200c000b506b61666b6100000000ca5ee029');
    for (const frame of [javaShaped, checksummed, linked]) expect((await decompressRecords('lz4', frame)).toString()).toBe(HELLO);
  });

  it('reads gzip and zstd written by their reference tools', async () => {
    const gzip = hex('1f8b0800000000000003cb48cdc9c957c84e4ccb4e54c8c0ce060084d317b423000000');
    const zstd = hex('28b52ffd04589500006068656c6c6f206b61666b61200100af4b12c32e1c62');
    expect((await decompressRecords('gzip', gzip)).toString()).toBe('hello kafka hello kafka hello kafka');
    expect((await decompressRecords('zstd', zstd)).toString()).toBe('hello kafka hello kafka hello kafka');
  });

  it.each(CODECS)('%s refuses bytes that are not its format with LS_KAFKA_COMPRESSION naming the codec', async (codec) => {
    const garbage = hex('00ff00ff00ff00ff00ff00ff00ff00ff00ff');
    await expect(decompressRecords(codec, garbage)).rejects.toMatchObject({
      code: 'LS_KAFKA_COMPRESSION',
      retriable: false,
      message: expect.stringMatching(new RegExp(`^${codec} cannot decompress it: .+`)),
      context: { codec },
    });
  });

  it('maps codec ids both ways; 5–7 are no codec', () => {
    expect(KAFKA_COMPRESSION_IDS).toEqual({ none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 });
    expect([0, 1, 2, 3, 4, 5, 7].map(compressionName)).toEqual(['none', 'gzip', 'snappy', 'lz4', 'zstd', undefined, undefined]);
  });

  it('says zstd needs Node 22.15 where zlib has no zstd; everything else is always available', () => {
    expect(compressionUnavailable('zstd', {})).toBe(`zstd needs Node 22.15 or later (zlib's zstd); this is Node ${process.version}`);
    expect(compressionUnavailable('zstd', zlib)).toBeUndefined();
    expect(compressionUnavailable('lz4', {})).toBeUndefined();
  });
});
