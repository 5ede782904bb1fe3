import type { KafkaClientOptions } from '../client-options';

/** How keys and values are decoded: UTF-8 text, parsed JSON, or the raw bytes (a Buffer). */
export type KafkaSourceFormat = 'string' | 'json' | 'bytes';

/**
 * Where reading starts on a fresh start (a restore resumes from the checkpoint instead): the first or the next offset
 * of each partition, the first record at or after a timestamp, or given offsets (partitions not listed: earliest).
 */
export type KafkaStartFrom =
  | 'earliest'
  | 'latest'
  | { readonly timestamp: number }
  | { readonly offsets: Readonly<Record<string, Readonly<Record<string, number>>>> };

/**
 * A validated `type: kafka` source config (`config-schemas/kafka/source.schema.json`); durations in ms. The common
 * keys `id`, `type` and `parallelism` are handled by the engine.
 */
export interface KafkaSourceConfig extends KafkaClientOptions {
  readonly id?: string;
  readonly type?: 'kafka';
  readonly parallelism?: number;
  /** Topics to read; with `topicPattern`, the union of both. */
  readonly topics?: readonly string[];
  /** Topics whose whole name matches this regular expression (internal `__…` topics excluded). */
  readonly topicPattern?: string;
  readonly startFrom?: KafkaStartFrom;
  readonly isolationLevel?: 'read_committed' | 'read_uncommitted';
  /** `latest`: read up to the end offsets seen at start, then finish. */
  readonly bounded?: false | 'latest';
  readonly keyFormat?: KafkaSourceFormat;
  readonly valueFormat?: KafkaSourceFormat;
  /** How often to look for new partitions and topics, in ms; 0 disables. Ignored when bounded. */
  readonly partitionDiscoveryInterval?: number;
  /** Consumer group to commit checkpointed offsets to, for lag monitoring only (never read back). */
  readonly commitOffsetsToGroup?: string;
}

/** Partition discovery interval when the config sets none. */
export const DEFAULT_PARTITION_DISCOVERY_INTERVAL_MS = 10_000;
