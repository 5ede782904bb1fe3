/**
 * The codecs of Kafka record batches (bits 0–2 of a v2 batch's attributes), for the records section of one batch:
 *
 * | codec | id | format | library |
 * | --- | --- | --- | --- |
 * | gzip | 1 | gzip (RFC 1952) | Node's zlib |
 * | snappy | 2 | xerial-framed snappy blocks (written as the Java client does; raw snappy from librdkafka is read too) | `snappy` (Google's snappy via napi-rs), framing in xerial-snappy.ts |
 * | lz4 | 3 | LZ4 frame format (independent blocks, no checksums on write; any valid frame on read) | `lz4-napi` (lz4_flex via napi-rs) |
 * | zstd | 4 | Zstandard frames | Node's zlib (Node ≥ 22.15) |
 *
 * Pure functions of bytes; the kafkajs side (registering them for fetch and produce) is internals/compression-codecs.ts.
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { compressFrame, decompressFrame } from 'lz4-napi';
import { LockstepError } from '../../../core/sdk';
import { decodeKafkaSnappy, encodeXerialSnappy } from './xerial-snappy';

/** The `compression` values of the Kafka sink, as Kafka producers name them (`compression.type`). */
export const KAFKA_COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];
/** A codec that actually compresses. */
export type KafkaCodec = Exclude<KafkaCompression, 'none'>;

/** Kafka's codec ids: a batch's `attributes & 0x07` (kafkajs' `CompressionTypes` has the same values). */
export const KAFKA_COMPRESSION_IDS: Readonly<Record<KafkaCompression, number>> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

/** The codec a batch's id names; undefined for 5–7, which Kafka does not define. */
export function compressionName(id: number): KafkaCompression | undefined {
  return KAFKA_COMPRESSIONS.find((name) => KAFKA_COMPRESSION_IDS[name] === id);
}

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

/** zlib's zstd functions exist from Node 22.15 / 23.8 on; older Nodes lack them. */
type ZstdZlib = Partial<Pick<typeof zlib, 'zstdCompress' | 'zstdDecompress'>>;

/** Why `compression` cannot be used in this process (only zstd on a Node without zlib zstd); undefined when it can. */
export function compressionUnavailable(compression: KafkaCompression, zlibModule: ZstdZlib = zlib): string | undefined {
  if (compression !== 'zstd') return undefined;
  if (typeof zlibModule.zstdCompress === 'function' && typeof zlibModule.zstdDecompress === 'function') return undefined;
  return `zstd needs Node 22.15 or later (zlib's zstd); this is Node ${process.version}`;
}

function zstd(operation: 'zstdCompress' | 'zstdDecompress'): (data: Buffer) => Promise<Buffer> {
  const unavailable = compressionUnavailable('zstd');
  if (unavailable !== undefined) throw new LockstepError(unavailable, { code: 'LS_KAFKA_COMPRESSION' });
  return promisify((zlib as Required<ZstdZlib>)[operation]) as (data: Buffer) => Promise<Buffer>;
}

/** Compresses the records section of a batch with `codec`. */
export async function compressRecords(codec: KafkaCodec, data: Buffer): Promise<Buffer> {
  switch (codec) {
    case 'gzip':
      return gzip(data);
    case 'snappy':
      return encodeXerialSnappy(data);
    case 'lz4':
      return compressFrame(data);
    case 'zstd':
      return zstd('zstdCompress')(data);
  }
}

/**
 * Decompresses the records section of a batch compressed with `codec`.
 * @throws `LS_KAFKA_COMPRESSION` naming the codec, with the library's error as the cause, when the bytes are not
 * valid for it (or zstd is unavailable).
 */
export async function decompressRecords(codec: KafkaCodec, data: Buffer): Promise<Buffer> {
  try {
    switch (codec) {
      case 'gzip':
        return await gunzip(data);
      case 'snappy':
        return decodeKafkaSnappy(data);
      case 'lz4':
        return await decompressFrame(data);
      case 'zstd':
        return await zstd('zstdDecompress')(data);
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LockstepError(`${codec} cannot decompress it: ${reason}`, { code: 'LS_KAFKA_COMPRESSION', cause: error, context: { codec } });
  }
}
