/** Kafka record batch codecs (gzip, snappy, lz4, zstd) as pure functions of bytes; see kafka-compression.ts. */
export { compressionName, compressionUnavailable, compressRecords, decompressRecords, KAFKA_COMPRESSION_IDS, KAFKA_COMPRESSIONS } from './kafka-compression';
export type { KafkaCodec, KafkaCompression } from './kafka-compression';
export { decodeKafkaSnappy, encodeXerialSnappy, isXerialFramed, XERIAL_BLOCK_BYTES } from './xerial-snappy';
