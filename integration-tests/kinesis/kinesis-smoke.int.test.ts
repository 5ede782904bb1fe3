import { randomUUID } from 'node:crypto';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
  waitUntilStreamExists,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { testServices } from '../env';
import { kinesisClient } from '../env/kinesis-client';

/** Smoke test for the Kinesis test service: a 2-shard stream takes records and returns every one, from both shards. */
describe('kinesis test service', () => {
  const streamName = `lockstep-smoke-${randomUUID()}`;
  let client: KinesisClient;

  beforeAll(() => {
    client = kinesisClient(testServices().kinesis);
  });

  afterAll(async () => {
    await client?.send(new DeleteStreamCommand({ StreamName: streamName })).catch(() => undefined);
    client?.destroy();
  });

  it('round-trips records through both shards of a stream', async () => {
    await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 2 }));
    const waited = await waitUntilStreamExists({ client, maxWaitTime: 30, minDelay: 1 }, { StreamName: streamName });
    expect(waited.state).toBe('SUCCESS');

    const sent = Array.from({ length: 200 }, (_, i) => ({
      key: `key-${i}-${randomUUID()}`,
      payload: `payload-${i}-${randomUUID()}`,
    }));
    const put = await client.send(
      new PutRecordsCommand({
        StreamName: streamName,
        Records: sent.map(({ key, payload }) => ({ PartitionKey: key, Data: Buffer.from(payload) })),
      }),
    );
    expect(put.FailedRecordCount ?? 0).toBe(0);

    const shards = (await client.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
    expect(shards).toHaveLength(2);
    const received = new Map<string, string>();
    const perShard = new Map<string, number>();
    for (const shard of shards) {
      const shardId = shard.ShardId ?? '';
      let iterator = (
        await client.send(
          new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
        )
      ).ShardIterator;
      for (let calls = 0; iterator !== undefined && calls < 100; calls += 1) {
        const batch = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        for (const record of batch.Records ?? []) {
          received.set(Buffer.from(record.Data ?? new Uint8Array()).toString(), record.PartitionKey ?? '');
          perShard.set(shardId, (perShard.get(shardId) ?? 0) + 1);
        }
        if ((batch.Records ?? []).length === 0 && batch.MillisBehindLatest === 0) break;
        iterator = batch.NextShardIterator;
      }
    }

    expect(new Map(sent.map(({ key, payload }) => [payload, key]))).toEqual(received);
    expect([...perShard.values()].reduce((sum, n) => sum + n, 0)).toBe(sent.length);
    expect(perShard.size).toBe(2);
    for (const n of perShard.values()) expect(n).toBeGreaterThan(0);
  });
});
