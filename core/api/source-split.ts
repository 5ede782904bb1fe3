/**
 * A unit of source work that one reader owns at a time: a Kafka partition, a Kinesis shard, a file, a generator
 * stripe. The split's *state* — its id plus the position to resume from — is what goes into the checkpoint.
 */
export interface SourceSplit {
  /** Stable id, unique within the source (`orders-3`, `shardId-000000000001`, `/data/in/a.jsonl`). */
  readonly splitId: string;
}
