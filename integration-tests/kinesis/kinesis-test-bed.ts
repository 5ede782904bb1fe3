import { randomUUID } from 'node:crypto';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
  SplitShardCommand,
  type KinesisClient,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { KinesisSource, type KinesisSourceOptions } from '../../connectors/kinesis/source';
import type { KinesisSourceConfig } from '../../connectors/kinesis/source';
import type { KinesisService } from '../env';
import { kinesisClient } from '../env/kinesis-client';

/** One record to put: its partition key and JSON data. */
export interface TestEntry {
  readonly key: string;
  readonly data: Record<string, unknown>;
  /** Puts it into the shard whose range starts here (else the partition key's hash decides). */
  readonly explicitHashKey?: string;
}

/**
 * Streams on the test bed's Kinesis (kinesis-mock), written and read with the AWS SDK's own client (the oracle: not
 * lockstep's read path), and Kinesis sources over them. `close` deletes every stream it created.
 */
export class KinesisTestBed {
  readonly client: KinesisClient;
  private readonly streams: string[] = [];

  constructor(readonly service: KinesisService) {
    this.client = kinesisClient(service);
  }

  async createStream(prefix: string, shards: number): Promise<string> {
    const name = `${prefix}-${randomUUID().slice(0, 8)}`;
    await this.client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
    this.streams.push(name);
    await this.waitActive(name);
    return name;
  }

  async waitActive(stream: string): Promise<void> {
    for (let attempt = 0; attempt < 300; attempt += 1) {
      const summary = await this.client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
      if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`stream ${stream} did not become ACTIVE`);
  }

  async shards(stream: string): Promise<Shard[]> {
    return (await this.client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  }

  /** Puts `entries` in order, 500 per PutRecords call, retrying failed entries (in order: one call at a time). */
  async put(stream: string, entries: readonly TestEntry[]): Promise<void> {
    for (let start = 0; start < entries.length; start += 500) {
      let batch = entries.slice(start, start + 500);
      for (let attempt = 0; batch.length > 0; attempt += 1) {
        if (attempt > 20) throw new Error('PutRecords kept failing');
        const answer = await this.client.send(
          new PutRecordsCommand({
            StreamName: stream,
            Records: batch.map((entry) => ({
              PartitionKey: entry.key,
              Data: Buffer.from(JSON.stringify(entry.data)),
              ...(entry.explicitHashKey === undefined ? {} : { ExplicitHashKey: entry.explicitHashKey }),
            })),
          }),
        );
        batch = batch.filter((_, index) => answer.Records?.[index]?.ErrorCode !== undefined);
      }
    }
  }

  /** Splits `shardId` in the middle of its hash range; resolves once the stream is ACTIVE again. */
  async split(stream: string, shardId: string): Promise<void> {
    const shard = (await this.shards(stream)).find((candidate) => candidate.ShardId === shardId);
    const range = shard?.HashKeyRange;
    if (range?.StartingHashKey === undefined || range.EndingHashKey === undefined) throw new Error(`no shard ${shardId}`);
    const middle = (BigInt(range.StartingHashKey) + BigInt(range.EndingHashKey)) / 2n;
    await this.client.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: shardId, NewStartingHashKey: middle.toString() }));
    await this.waitActive(stream);
  }

  /** Every record's data in the stream, per shard, read with the SDK from TRIM_HORIZON to the end. */
  async readAll(stream: string): Promise<Map<string, Record<string, unknown>[]>> {
    const result = new Map<string, Record<string, unknown>[]>();
    for (const shard of await this.shards(stream)) {
      const shardId = shard.ShardId ?? '';
      const records: Record<string, unknown>[] = [];
      let iterator = (await this.client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      while (iterator !== undefined) {
        const batch = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        for (const record of batch.Records ?? []) records.push(JSON.parse(Buffer.from(record.Data ?? new Uint8Array()).toString()) as Record<string, unknown>);
        if ((batch.Records ?? []).length === 0 && batch.MillisBehindLatest === 0) break;
        iterator = batch.NextShardIterator;
      }
      result.set(shardId, records);
    }
    return result;
  }

  /** A `type: kinesis` source on `stream` of the test bed, `overrides` applied to the config. */
  source(stream: string, overrides: Partial<KinesisSourceConfig> = {}, options: KinesisSourceOptions = {}): KinesisSource {
    return new KinesisSource(this.config(stream, overrides), { pipeline: 'kinesis-test', componentId: 'in' }, { backoff: { initialDelayMs: 10, maxDelayMs: 200 }, ...options });
  }

  config(stream: string, overrides: Partial<KinesisSourceConfig> = {}): KinesisSourceConfig {
    return {
      id: 'in',
      type: 'kinesis',
      stream,
      region: this.service.region,
      endpoint: this.service.endpoint,
      credentials: { ...this.service.credentials },
      startFrom: 'TRIM_HORIZON',
      pollInterval: 200,
      recordsPerCall: 1000,
      bounded: true,
      shardDiscoveryInterval: 1000,
      valueFormat: 'json',
      ...overrides,
    };
  }

  async close(): Promise<void> {
    for (const stream of this.streams) await this.client.send(new DeleteStreamCommand({ StreamName: stream, EnforceConsumerDeletion: true })).catch(() => undefined);
    this.client.destroy();
  }
}
