import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  type _Record,
} from '@aws-sdk/client-kinesis';
import { streamReference } from '../kinesis-client';
import type { KinesisStartPosition } from './kinesis-split';
import type { ListedShard } from './shard-lineage';

/** One GetRecords answer, as the reader uses it. */
export interface ShardBatch {
  readonly records: readonly _Record[];
  /** Undefined once the shard is closed and read to its end. */
  readonly nextIterator: string | undefined;
  readonly millisBehindLatest: number | undefined;
}

/** The three Kinesis calls the source makes: the seam between the source and the AWS SDK. */
export interface KinesisShardApi {
  listShards(): Promise<ListedShard[]>;
  shardIterator(shardId: string, start: KinesisStartPosition): Promise<string | undefined>;
  getRecords(iterator: string, limit: number): Promise<ShardBatch>;
  destroy(): void;
}

/** {@link KinesisShardApi} over an AWS SDK client (which it owns: `destroy` destroys it). */
export function kinesisShardApi(client: KinesisClient, stream: string): KinesisShardApi {
  const ref = streamReference(stream);
  return {
    async listShards() {
      const shards: ListedShard[] = [];
      let nextToken: string | undefined;
      do {
        // with a NextToken the stream must not be named again
        const page = await client.send(new ListShardsCommand(nextToken === undefined ? { ...ref } : { NextToken: nextToken }));
        for (const shard of page.Shards ?? []) {
          if (shard.ShardId === undefined) continue;
          shards.push({
            shardId: shard.ShardId,
            ...(shard.ParentShardId === undefined ? {} : { parentShardId: shard.ParentShardId }),
            ...(shard.AdjacentParentShardId === undefined ? {} : { adjacentParentShardId: shard.AdjacentParentShardId }),
          });
        }
        nextToken = page.NextToken;
      } while (nextToken !== undefined);
      return shards;
    },
    async shardIterator(shardId, start) {
      const answer = await client.send(new GetShardIteratorCommand({ ...ref, ShardId: shardId, ...iteratorType(start) }));
      return answer.ShardIterator;
    },
    async getRecords(iterator, limit) {
      const answer = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit, ...('StreamARN' in ref ? ref : {}) }));
      return { records: answer.Records ?? [], nextIterator: answer.NextShardIterator ?? undefined, millisBehindLatest: answer.MillisBehindLatest };
    },
    destroy: () => client.destroy(),
  };
}

function iteratorType(start: KinesisStartPosition): Pick<GetShardIteratorCommandInput, 'ShardIteratorType' | 'StartingSequenceNumber' | 'Timestamp'> {
  switch (start.kind) {
    case 'after':
      return { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: start.sequenceNumber };
    case 'at-timestamp':
      return { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(start.timestamp) };
    case 'latest':
      return { ShardIteratorType: 'LATEST' };
    case 'trim-horizon':
      return { ShardIteratorType: 'TRIM_HORIZON' };
  }
}
