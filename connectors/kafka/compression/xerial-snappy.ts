/**
 * Kafka's snappy: raw snappy blocks (the `snappy` package, Google's C++ snappy via napi-rs) in the framing of
 * snappy-java's `SnappyOutputStream` ("xerial" framing), which the Java client writes and every Kafka client reads:
 *
 *   header  = 0x82 "SNAPPY" 0x00, int32 version (1), int32 minimum compatible version (1)   (16 bytes, big-endian)
 *   chunk   = int32 compressed length, then one raw snappy block of at most 32 KiB of input  (repeated)
 *
 * librdkafka writes a single raw snappy block instead, without the header; snappy-java and librdkafka both read
 * either, telling them apart by the magic header, and so does {@link decodeKafkaSnappy}. A second header may follow
 * a chunk (snappy-java streams concatenated): it is skipped, as snappy-java does.
 */
import { compressSync, uncompressSync } from 'snappy';
import { LockstepError } from '../../../core/sdk';

const MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const HEADER_BYTES = 16;
const XERIAL_VERSION = 1;
const XERIAL_MIN_COMPATIBLE_VERSION = 1;
/** snappy-java's default block size, which Kafka's Java producer uses. */
export const XERIAL_BLOCK_BYTES = 32 * 1024;

/** Whether `data` starts with the xerial magic header. */
export function isXerialFramed(data: Buffer): boolean {
  return data.length >= MAGIC.length && data.subarray(0, MAGIC.length).equals(MAGIC);
}

/** Compresses `data` the way Kafka's Java producer does: xerial-framed raw snappy blocks of 32 KiB input each. */
export function encodeXerialSnappy(data: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeInt32BE(XERIAL_VERSION, 8);
  header.writeInt32BE(XERIAL_MIN_COMPATIBLE_VERSION, 12);
  const parts: Buffer[] = [header];
  for (let start = 0; start < data.length; start += XERIAL_BLOCK_BYTES) {
    const block = compressSync(data.subarray(start, start + XERIAL_BLOCK_BYTES));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length, 0);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

/**
 * Decompresses a Kafka snappy payload: xerial-framed (the Java client) or one raw snappy block (librdkafka).
 * @throws `LS_KAFKA_COMPRESSION` for a truncated chunk, or snappy's error for a bad block: the caller names the batch.
 */
export function decodeKafkaSnappy(data: Buffer): Buffer {
  return isXerialFramed(data) ? decodeXerialChunks(data) : uncompressBlock(data);
}

function decodeXerialChunks(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let position = 0;
  while (position < data.length) {
    if (isXerialFramed(data.subarray(position))) {
      if (position + HEADER_BYTES > data.length) throw damaged(`xerial snappy header cut off at byte ${position}`);
      position += HEADER_BYTES;
      continue;
    }
    if (position + 4 > data.length) throw damaged(`xerial snappy chunk length cut off at byte ${position}`);
    const length = data.readInt32BE(position);
    const end = position + 4 + length;
    if (length < 0 || end > data.length) {
      throw damaged(`xerial snappy chunk at byte ${position} claims ${length} bytes, ${data.length - position - 4} are left`);
    }
    if (length > 0) parts.push(uncompressBlock(data.subarray(position + 4, end)));
    position = end;
  }
  return Buffer.concat(parts);
}

function uncompressBlock(block: Buffer): Buffer {
  return uncompressSync(block, { asBuffer: true }) as Buffer;
}

function damaged(message: string): LockstepError {
  return new LockstepError(message, { code: 'LS_KAFKA_COMPRESSION' });
}
