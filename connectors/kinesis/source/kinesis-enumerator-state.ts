/** A shard the enumerator handed to a reader subtask. */
export interface AssignedShard {
  readonly shardId: string;
  readonly subtask: number;
}

/**
 * What the Kinesis enumerator checkpoints: whether the first listing happened (shards found after it start at
 * TRIM_HORIZON), the start time of a bounded read and the shards it reads (those listed at its start: shards
 * created later hold only records that arrived later), the shards handed out, and the shards readers reported finished
 * (their children may be read). Positions are the readers'.
 */
export interface KinesisEnumeratorState {
  readonly initialDiscoveryDone: boolean;
  readonly bounded?: { readonly at: number; readonly shards: readonly string[] };
  readonly assigned: readonly AssignedShard[];
  readonly finished: readonly string[];
}
