import type { SourceSplit } from '../../../core/sdk';

/**
 * Where a split starts reading. `offset` is a resolved position; the others are resolved by the reader the first
 * time it reads the split (so a split checkpointed before that resolves them again after a restore).
 */
export type KafkaStartPosition =
  | { readonly kind: 'offset'; readonly offset: number }
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'timestamp'; readonly timestamp: number };

/**
 * One topic-partition and how far it was read: `start` is the offset of the next record to return (or a symbolic
 * start not resolved yet). For bounded reads `stopOffset` is the offset reading stops before (the end offset seen at
 * start: the last stable offset under read_committed).
 */
export interface KafkaSplit extends SourceSplit {
  readonly topic: string;
  readonly partition: number;
  readonly start: KafkaStartPosition;
  readonly stopOffset?: number;
}

/** `<topic>-<partition>`, the split id of a topic-partition. */
export function kafkaSplitId(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** The split of `topic`/`partition` starting at `start`. */
export function kafkaSplit(topic: string, partition: number, start: KafkaStartPosition, stopOffset?: number): KafkaSplit {
  const split = { splitId: kafkaSplitId(topic, partition), topic, partition, start };
  return stopOffset === undefined ? split : { ...split, stopOffset };
}
