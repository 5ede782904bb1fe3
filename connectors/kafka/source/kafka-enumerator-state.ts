/** A topic-partition the enumerator has handed to a reader. */
export interface AssignedPartition {
  readonly topic: string;
  readonly partition: number;
}

/**
 * What the Kafka enumerator checkpoints: whether its first discovery ran (partitions found later start from
 * `earliest`, not from `startFrom`) and every partition it already assigned. Assigned partitions come back with the
 * readers' split states, so a restored enumerator never assigns them again.
 */
export interface KafkaEnumeratorState {
  readonly initialDiscoveryDone: boolean;
  readonly assigned: readonly AssignedPartition[];
}
