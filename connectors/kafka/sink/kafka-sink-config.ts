import type { KafkaClientOptions } from '../client-options';

export type KafkaDataFormat = 'json' | 'string' | 'bytes';

/** A validated `type: kafka` sink config (`config-schemas/kafka/sink.schema.json`); durations in ms. */
export interface KafkaSinkConfig extends KafkaClientOptions {
  readonly id: string;
  readonly type: 'kafka';
  readonly parallelism?: number;
  /** Topic of every record, unless `topicField` names a field of the record value that holds it. */
  readonly topic?: string;
  readonly topicField?: string;
  /** Field of the record value to use as key instead of the record's key. */
  readonly keyField?: string;
  readonly keyFormat?: KafkaDataFormat;
  readonly valueFormat?: KafkaDataFormat;
  readonly semantic?: 'exactly-once' | 'at-least-once';
  /** Defaults to `<pipeline>-<sink id>`; transactional ids are `<prefix>-<subtask>-<n>`. */
  readonly transactionalIdPrefix?: string;
  /** Defaults to the broker's `transaction.max.timeout.ms`. */
  readonly transactionTimeout?: number;
  /** Records per produce call (default 2000). */
  readonly batchSize?: number;
}

/** The transactional id of transaction `n` of a subtask: unique per transaction, so a commit is never ambiguous. */
export function transactionalId(prefix: string, subtask: number, n: number): string {
  return `${prefix}-${subtask}-${n}`;
}

/** Parses `<prefix>-<subtask>-<n>` back; undefined for ids of another prefix or shape. */
export function parseTransactionalId(prefix: string, id: string): { subtask: number; n: number } | undefined {
  if (!id.startsWith(`${prefix}-`)) return undefined;
  const match = /^(\d+)-(\d+)$/.exec(id.slice(prefix.length + 1));
  if (match === null) return undefined;
  return { subtask: Number(match[1]), n: Number(match[2]) };
}
