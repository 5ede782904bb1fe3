import type { KafkaSourceConfig } from './kafka-source-config.generated';

/** The validated `type: kafka` source config, generated from `config-schemas/kafka/source.schema.json`. */
export type { KafkaSourceConfig } from './kafka-source-config.generated';

/** How keys and values are decoded: UTF-8 text, parsed JSON, or the raw bytes (a Buffer). */
export type KafkaSourceFormat = KafkaSourceConfig['keyFormat'] | KafkaSourceConfig['valueFormat'];

/**
 * Where reading starts on a fresh start (a restore resumes from the checkpoint instead): the first or the next offset
 * of each partition, the first record at or after a timestamp, or given offsets (partitions not listed: earliest).
 */
export type KafkaStartFrom = KafkaSourceConfig['startFrom'];
