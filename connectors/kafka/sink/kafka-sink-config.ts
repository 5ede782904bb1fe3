import type { KafkaSinkConfig } from './kafka-sink-config.generated';

/** The validated `type: kafka` sink config, generated from `config-schemas/kafka/sink.schema.json`. */
export type { KafkaSinkConfig } from './kafka-sink-config.generated';

/** How the sink writes keys and values (`keyFormat`, `valueFormat`). */
export type KafkaDataFormat = KafkaSinkConfig['keyFormat'] | KafkaSinkConfig['valueFormat'];

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
