import { ExpiredIteratorException, ProvisionedThroughputExceededException } from '@aws-sdk/client-kinesis';
import type { LockstepRecord } from '../../core/api/record';
import { SeededRandom, SourceRun } from '../../core/testing';
import { createKinesisClient } from '../../connectors/kinesis/kinesis-client';
import { kinesisShardApi, MIN_CALL_INTERVAL_MS, type KinesisShardApi } from '../../connectors/kinesis/source';
import { testServices } from '../env';
import { KinesisTestBed } from './kinesis-test-bed';

/**
 * The Kinesis source against kinesis-mock, checked against what the AWS SDK's own client reads from the stream: a
 * 4-shard stream read completely by 2 subtasks, resuming mid-stream from a checkpoint, a shard split while reading
 * (the order per partition key holds), and throttling (ProvisionedThroughputExceededException, expired iterators).
 */
interface Item {
  readonly id: string;
  readonly key: string;
  readonly seq: number;
}

const item = (record: LockstepRecord): Item => record.value as Item;
const shardOf = (record: LockstepRecord): string => /\/(shardId-\d+)@/.exec(record.origin ?? '')?.[1] ?? '?';

async function readUntil(run: SourceRun, done: (delivered: readonly LockstepRecord[]) => boolean = () => false, timeoutMs = 60_000): Promise<LockstepRecord[]> {
  const random = new SeededRandom(5);
  const deadline = Date.now() + timeoutMs;
  while (!run.finished && !done(run.delivered)) {
    if (Date.now() > deadline) throw new Error(`reading did not finish in ${timeoutMs} ms (${run.delivered.length} records so far)`);
    await run.poll(random);
  }
  return run.delivered;
}

/** Items with keys `k0…k<keys-1>`, each key's `seq` counting up from `from`. */
function items(prefix: string, count: number, keys: number, from = 0): Item[] {
  return Array.from({ length: count }, (_, n) => ({ id: `${prefix}-${n}`, key: `k${n % keys}`, seq: from + Math.floor(n / keys) }));
}

describe('kinesis source', () => {
  let bed: KinesisTestBed;
  const runs: SourceRun[] = [];
  const run = async (...args: Parameters<typeof SourceRun.start>): Promise<SourceRun> => {
    const started = await SourceRun.start(...args);
    runs.push(started);
    return started;
  };

  beforeEach(() => {
    bed = new KinesisTestBed(testServices().kinesis);
  });

  afterEach(async () => {
    for (const started of runs.splice(0)) await started.close().catch(() => undefined);
    await bed.close();
  });

  it('reads a 4-shard stream completely with 2 subtasks, each shard in its order', async () => {
    const stream = await bed.createStream('source-four', 4);
    const shards = await bed.shards(stream);
    for (const [index, shard] of shards.entries()) {
      const batch = items(`s${index}`, 120, 4);
      await bed.put(stream, batch.map((entry) => ({ key: entry.key, data: { ...entry }, explicitHashKey: shard.HashKeyRange?.StartingHashKey ?? '0' })));
    }
    const source = bed.source(stream, { recordsPerCall: 50 });
    const started = await run(source, 2);
    const records = await readUntil(started);
    expect(started.finished).toBe(true);

    const oracle = await bed.readAll(stream);
    const perShard = new Map<string, unknown[]>();
    for (const record of records) perShard.set(shardOf(record), [...(perShard.get(shardOf(record)) ?? []), record.value]);
    expect(new Map([...perShard].sort())).toEqual(new Map([...oracle].sort()));
    expect(records).toHaveLength(480);
    expect(records[0]).toMatchObject({ key: expect.stringMatching(/^k\d$/), timestamp: expect.any(Number), origin: expect.stringContaining(`${stream}/shardId-`) });
    // every shard read to its end reported its lag (MillisBehindLatest) for lockstep serve's metrics: caught up, 0
    expect([...started.lags.keys()].sort()).toEqual(shards.map((shard) => shard.ShardId).sort());
    expect([...started.lags.values()].every((lag) => lag.unit === 'milliseconds' && lag.value === 0)).toBe(true);
    // both subtasks read: each owns two of the four shards
    const owned = started.checkpoint(1).splitStates.map((splits) => splits.length);
    expect(owned).toEqual([2, 2]);
  });

  it('resumes mid-stream from a checkpoint: the restored source reads exactly the rest', async () => {
    const stream = await bed.createStream('source-resume', 2);
    await bed.put(stream, items('r', 400, 8).map((entry) => ({ key: entry.key, data: { ...entry } })));
    const config = { bounded: false, recordsPerCall: 40 };
    const first = await run(bed.source(stream, config), 2);
    await readUntil(first, (delivered) => delivered.length >= 150);
    const taken = first.checkpoint(1);
    const beforeCheckpoint = first.delivered.map((record) => item(record).id);
    await readUntil(first, (delivered) => delivered.length >= 250); // read on, then "crash"

    const restored = await run(bed.source(stream, config), 2, taken.checkpoint);
    const rest = (await readUntil(restored, (delivered) => delivered.length >= 400 - beforeCheckpoint.length)).map((record) => item(record).id);
    // a few more polls bring nothing new
    for (let poll = 0; poll < 20; poll += 1) await restored.poll(new SeededRandom(poll));
    const all = [...beforeCheckpoint, ...restored.delivered.map((record) => item(record).id)];
    expect(new Set(all)).toEqual(new Set(items('r', 400, 8).map((entry) => entry.id)));
    expect(all).toHaveLength(400);
    expect(rest.filter((id) => beforeCheckpoint.includes(id))).toEqual([]);
  });

  it('keeps the order per partition key when a shard is split while reading', async () => {
    const stream = await bed.createStream('source-split', 1);
    const before = items('a', 300, 10);
    await bed.put(stream, before.map((entry) => ({ key: entry.key, data: { ...entry } })));
    const started = await run(bed.source(stream, { bounded: false, recordsPerCall: 25, shardDiscoveryInterval: 500 }), 2);
    await readUntil(started, (delivered) => delivered.length >= 60);
    await bed.split(stream, 'shardId-000000000000');
    const after = items('b', 300, 10, 30);
    await bed.put(stream, after.map((entry) => ({ key: entry.key, data: { ...entry } })));
    await readUntil(started, (delivered) => delivered.length >= 600);

    const ids = started.delivered.map((record) => item(record).id);
    expect(new Set(ids)).toEqual(new Set([...before, ...after].map((entry) => entry.id)));
    expect(ids).toHaveLength(600);
    const lastSeq = new Map<string, number>();
    for (const record of started.delivered) {
      const { key, seq } = item(record);
      expect({ key, seq, previous: lastSeq.get(key) ?? -1 }).toEqual({ key, seq, previous: seq - 1 });
      lastSeq.set(key, seq);
    }
    // the children were read: records after the split came from them
    expect(new Set(started.delivered.slice(-300).map(shardOf))).not.toContain('shardId-000000000000');
    expect((await bed.shards(stream)).length).toBe(3);
  });

  it('survives throttling and expired iterators, and never calls GetRecords on a shard more than 5 times a second', async () => {
    const stream = await bed.createStream('source-throttled', 2);
    await bed.put(stream, items('t', 300, 6).map((entry) => ({ key: entry.key, data: { ...entry } })));
    const limiter = new ShardCallLog();
    const api = (): KinesisShardApi => limiter.wrap(kinesisShardApi(createKinesisClient(bed.config(stream)), stream));
    const started = await run(bed.source(stream, { recordsPerCall: 20 }, { api }), 2);
    const records = await readUntil(started);
    expect(records.map((record) => item(record).id).sort()).toEqual(items('t', 300, 6).map((entry) => entry.id).sort());
    expect(limiter.throttled).toBeGreaterThan(3);
    expect(limiter.expired).toBeGreaterThan(0);
    expect(limiter.tooClose).toEqual([]);
  });
});

/**
 * In front of the real calls: answers every third GetRecords with the service's
 * ProvisionedThroughputExceededException and every tenth with ExpiredIteratorException (both as the SDK throws
 * them), and notes calls on one shard iterator chain closer than the service's 5-per-second limit allows.
 */
class ShardCallLog {
  throttled = 0;
  expired = 0;
  readonly tooClose: number[] = [];
  private calls = 0;
  private readonly lastCallOf = new Map<string, number>();
  private readonly shardOfIterator = new Map<string, string>();

  wrap(api: KinesisShardApi): KinesisShardApi {
    return {
      listShards: () => api.listShards(),
      shardIterator: async (shardId, start) => {
        const iterator = await api.shardIterator(shardId, start);
        if (iterator !== undefined) this.shardOfIterator.set(iterator, shardId);
        return iterator;
      },
      getRecords: async (iterator, limit) => {
        const shardId = this.shardOfIterator.get(iterator) ?? '?';
        const now = Date.now();
        const last = this.lastCallOf.get(shardId);
        if (last !== undefined && now - last < MIN_CALL_INTERVAL_MS - 5) this.tooClose.push(now - last);
        this.lastCallOf.set(shardId, now);
        this.calls += 1;
        if (this.calls % 3 === 0) {
          this.throttled += 1;
          throw new ProvisionedThroughputExceededException({ message: 'Rate exceeded for shard', $metadata: { httpStatusCode: 400 } });
        }
        if (this.calls % 10 === 1 && this.calls > 1) {
          this.expired += 1;
          throw new ExpiredIteratorException({ message: 'Iterator expired', $metadata: { httpStatusCode: 400 } });
        }
        const batch = await api.getRecords(iterator, limit);
        if (batch.nextIterator !== undefined) this.shardOfIterator.set(batch.nextIterator, shardId);
        return batch;
      },
      destroy: () => api.destroy(),
    };
  }
}
