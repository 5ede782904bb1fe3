import { readyShards, type ListedShard } from './shard-lineage';

const ids = (shards: readonly ListedShard[]): string[] => shards.map((shard) => shard.shardId);

describe('readyShards', () => {
  // s0 split into s2 and s3; s1 and s3 merged into s4
  const listing: ListedShard[] = [
    { shardId: 's0' },
    { shardId: 's1' },
    { shardId: 's2', parentShardId: 's0' },
    { shardId: 's3', parentShardId: 's0' },
    { shardId: 's4', parentShardId: 's1', adjacentParentShardId: 's3' },
  ];

  it('hands out shards without parents first, children only once all their parents finished', () => {
    expect(ids(readyShards(listing, new Set(), new Set()))).toEqual(['s0', 's1']);
    expect(ids(readyShards(listing, new Set(['s0', 's1']), new Set()))).toEqual([]);
    expect(ids(readyShards(listing, new Set(['s0', 's1']), new Set(['s0'])))).toEqual(['s2', 's3']);
    expect(ids(readyShards(listing, new Set(['s0', 's1', 's2', 's3']), new Set(['s0', 's3'])))).toEqual([]);
    expect(ids(readyShards(listing, new Set(['s0', 's1', 's2', 's3']), new Set(['s0', 's1', 's3'])))).toEqual(['s4']);
  });

  it('treats a parent gone from the stream (trimmed) and never handed out as finished', () => {
    const trimmed = listing.filter((shard) => shard.shardId !== 's0' && shard.shardId !== 's1');
    expect(ids(readyShards(trimmed, new Set(), new Set()))).toEqual(['s2', 's3']);
  });

  it('waits for a parent gone from the listing that a reader still owns', () => {
    const trimmed = listing.filter((shard) => shard.shardId !== 's0');
    expect(ids(readyShards(trimmed, new Set(['s0', 's1']), new Set()))).toEqual([]);
  });
});
