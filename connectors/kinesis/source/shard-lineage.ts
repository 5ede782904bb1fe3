/** A shard as ListShards describes it: its id and the shards it was split or merged from. */
export interface ListedShard {
  readonly shardId: string;
  readonly parentShardId?: string;
  readonly adjacentParentShardId?: string;
}

/** The shards a listed shard descends from (none for a shard of the stream's creation). */
export function parentsOf(shard: ListedShard): string[] {
  return [shard.parentShardId, shard.adjacentParentShardId].filter((id): id is string => id !== undefined && id !== '');
}

/**
 * The shards of `listing` that may be handed out now, in listing order: not yet handed out, and every parent either
 * finished or gone from the listing without having been handed out (trimmed away after the retention period: there
 * is nothing left to read in it). Reading a child only after its parents keeps the order per partition key: a key's
 * records before the resharding are all in a parent.
 */
export function readyShards(
  listing: readonly ListedShard[],
  assigned: ReadonlySet<string>,
  finished: ReadonlySet<string>,
): ListedShard[] {
  const listed = new Set(listing.map((shard) => shard.shardId));
  const parentDone = (parent: string): boolean => finished.has(parent) || (!listed.has(parent) && !assigned.has(parent));
  return listing.filter((shard) => !assigned.has(shard.shardId) && !finished.has(shard.shardId) && parentsOf(shard).every(parentDone));
}
