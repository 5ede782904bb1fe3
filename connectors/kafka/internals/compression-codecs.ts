/**
 * lockstep's batch codecs (../compression) plugged into kafkajs, which ships gzip only and throws "LZ4 compression
 * not implemented" (snappy, zstd alike) while decoding a Fetch response holding such a batch.
 *
 * What is used, and why (docs/kafkajs-internals.md has the full list):
 * - kafkajs' public codec registry `CompressionCodecs` (keyed by `CompressionTypes`, a factory returning
 *   `{ compress(encoder), decompress(buffer) }`), which its record batch encoder and decoder look codecs up in by id.
 *   lockstep fills ids 1–4, and 5–7 (which Kafka does not define, and kafkajs would read as uncompressed garbage) with
 *   a codec that refuses. The registry is process-wide: every kafkajs client in the process gets the codecs.
 * - kafkajs' record batch decoder (`src/protocol/recordBatch/v0/decoder.js`) hands `decompress` a slice of the Fetch
 *   response (`Buffer.slice` shares memory), so the 61 bytes before it are the batch's header: {@link batchAround}
 *   reads the batch's offsets from there to name the batch in an error, after checking the header agrees with the
 *   slice (magic 2, the codec's id, the batch length). Where it does not, the error names the fetch offset only.
 */
import { CompressionCodecs, type CompressionTypes } from 'kafkajs';
import { LockstepError } from '../../../core/sdk';
import { compressionName, compressRecords, decompressRecords, KAFKA_COMPRESSION_IDS, type KafkaCodec, type KafkaCompression } from '../compression';

interface KafkajsCodec {
  compress(encoder: { readonly buffer: Buffer }): Promise<Buffer>;
  decompress(records: Buffer): Promise<Buffer>;
}

const CODECS: readonly KafkaCodec[] = ['gzip', 'snappy', 'lz4', 'zstd'];
/** Codec ids a batch's three attribute bits can hold that Kafka does not define. */
const UNDEFINED_IDS: readonly number[] = [5, 6, 7];

let installed = false;

/** Registers gzip, snappy, lz4 and zstd (and refusals for ids 5–7) in kafkajs' codec registry; idempotent. */
export function installCompressionCodecs(): void {
  if (installed) return;
  const registry = CompressionCodecs as unknown as Record<number, () => KafkajsCodec>;
  for (const codec of CODECS) {
    const entry = kafkajsCodec(codec);
    registry[KAFKA_COMPRESSION_IDS[codec]] = () => entry;
  }
  for (const id of UNDEFINED_IDS) {
    const entry = refusingCodec(id);
    registry[id] = () => entry;
  }
  installed = true;
}

/** The codec id (kafkajs `CompressionTypes`) for a sink's `compression` setting: kafkajs' `sendBatch` (at-least-once) and lockstep's send path take it. */
export function compressionType(compression: KafkaCompression): CompressionTypes {
  return KAFKA_COMPRESSION_IDS[compression] as CompressionTypes;
}

function kafkajsCodec(codec: KafkaCodec): KafkajsCodec {
  const id = KAFKA_COMPRESSION_IDS[codec];
  return {
    compress: (encoder) => compressRecords(codec, encoder.buffer),
    decompress: async (records) => {
      try {
        return await decompressRecords(codec, records);
      } catch (error) {
        const root = (error as { cause?: unknown }).cause ?? error;
        const reason = root instanceof Error ? root.message : String(root);
        throw batchError(records, id, `is compressed with ${codec} and cannot be decompressed: ${reason}`, error);
      }
    },
  };
}

function refusingCodec(id: number): KafkajsCodec {
  const reason = `names compression codec id ${id}, which Kafka does not define (lockstep reads ${CODECS.join(', ')})`;
  return {
    compress: async () => {
      throw new LockstepError(`cannot produce with compression codec id ${id}: Kafka does not define it`, { code: 'LS_KAFKA_COMPRESSION' });
    },
    decompress: async (records) => {
      throw batchError(records, id, reason, undefined);
    },
  };
}

function batchError(records: Buffer, id: number, reason: string, cause: unknown): LockstepError {
  const batch = batchAround(records, id);
  const where = batch === undefined ? 'a record batch' : `the record batch at offsets ${batch.baseOffset}–${batch.lastOffset}`;
  return new LockstepError(`${where} ${reason}`, {
    code: 'LS_KAFKA_COMPRESSION',
    cause,
    context: { codec: compressionName(id) ?? `id ${id}`, batchOffset: batch?.baseOffset },
  });
}

/** Bytes of a v2 record batch before its compressed records: base offset … record count (Kafka's DefaultRecordBatch). */
const BATCH_HEADER_BYTES = 61;
/** Of those, the ones the batch's `length` field counts (all after it). */
const COUNTED_HEADER_BYTES = BATCH_HEADER_BYTES - 12;

/**
 * The offsets of the v2 record batch whose compressed records `records` is a slice of, read from the header bytes
 * before the slice in the same memory; undefined when they are not a matching header (a legacy message set, a copy).
 */
export function batchAround(records: Buffer, codecId: number): { baseOffset: string; lastOffset: string } | undefined {
  if (records.byteOffset < BATCH_HEADER_BYTES) return undefined;
  const header = Buffer.from(records.buffer, records.byteOffset - BATCH_HEADER_BYTES, BATCH_HEADER_BYTES);
  const length = header.readInt32BE(8);
  const magic = header.readInt8(16);
  const attributes = header.readInt16BE(21);
  if (magic !== 2 || (attributes & 0x07) !== codecId || length !== COUNTED_HEADER_BYTES + records.length) return undefined;
  const baseOffset = header.readBigInt64BE(0);
  return { baseOffset: baseOffset.toString(), lastOffset: (baseOffset + BigInt(header.readInt32BE(23))).toString() };
}

/** Whether `error` is a batch kafkajs could not decompress (thrown out of `Broker.fetch`). */
export function isBatchCompressionError(error: unknown): error is LockstepError {
  return LockstepError.is(error) && error.code === 'LS_KAFKA_COMPRESSION';
}

/** `error` (of {@link isBatchCompressionError}) naming the partition it came from, or the partitions it may have. */
export function compressionErrorIn(
  error: LockstepError,
  partitions: readonly { readonly topic: string; readonly partition: number; readonly fetchOffset: number }[],
): LockstepError {
  const [only] = partitions;
  const where =
    partitions.length === 1 && only !== undefined
      ? `${only.topic}/${only.partition} (fetched from offset ${only.fetchOffset})`
      : `one of ${partitions.map((entry) => `${entry.topic}/${entry.partition}@${entry.fetchOffset}`).join(', ')}`;
  const context = partitions.length === 1 && only !== undefined ? { topic: only.topic, partition: only.partition, fetchOffset: only.fetchOffset } : {};
  return new LockstepError(`kafka source cannot read ${where}: ${error.message}`, {
    code: 'LS_KAFKA_COMPRESSION',
    cause: error,
    context: { ...error.context, ...context },
  });
}
