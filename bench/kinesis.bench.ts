/**
 * Benchmark (not a test; run with `npm run bench:kinesis`): records/s per shard of the Kinesis source against the
 * emulator (kinesis-mock), read to the end of a stream of 1 and of 4 shards (bounded) through the source's plugin API
 * the way the engine polls it, next to a raw AWS SDK GetRecords loop over the same shards with the same `Limit` and
 * no pacing (the emulator's ceiling), and next to what the service's limits allow per shard: 5 GetRecords calls/s ×
 * records per call, and 2 MiB/s. The source keeps to 5 calls/s per shard, so with `recordsPerCall` 1000 it cannot
 * pass 5,000 records/s per shard. Machines are shared and noisy: read the ratios.
 *   LOCKSTEP_TEST_SERVICES_JSON with a kinesis entry (unset: a local kinesis-mock is started for the run)
 *   BENCH_RECORDS_PER_SHARD (default 5,000)   BENCH_RECORDS_PER_CALL (default 1,000)
 */
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { SeededRandom, SourceRun } from '../core/testing';
import type { TestServices } from '../integration-tests/env/test-services';
import { KinesisTestBed } from '../integration-tests/kinesis/kinesis-test-bed';
import { benchService, progress } from './bench-services';

const PER_SHARD = Number(process.env.BENCH_RECORDS_PER_SHARD ?? 5_000);
const PER_CALL = Number(process.env.BENCH_RECORDS_PER_CALL ?? 1_000);
const SHARD_COUNTS = [1, 4] as const;
const SERVICE_BYTES_PER_SECOND = 2 * 1024 * 1024;

function fromEnv(): TestServices['kinesis'] | undefined {
  const json = process.env.LOCKSTEP_TEST_SERVICES_JSON;
  return json === undefined ? undefined : (JSON.parse(json) as Partial<TestServices>).kinesis;
}

async function fill(bed: KinesisTestBed, shards: number): Promise<{ stream: string; bytesPerRecord: number }> {
  const stream = await bed.createStream(`bench-${shards}`, shards);
  const listed = await bed.shards(stream);
  let bytes = 0;
  for (const shard of listed) {
    const entries = Array.from({ length: PER_SHARD }, (_, n) => ({ id: `${shard.ShardId ?? ''}-${n}`, seq: n, note: `order ${n} ${'x'.repeat(64)}` }));
    bytes = JSON.stringify(entries[0]).length;
    await bed.put(stream, entries.map((data) => ({ key: data.id, data, explicitHashKey: shard.HashKeyRange?.StartingHashKey ?? '0' })));
  }
  return { stream, bytesPerRecord: bytes };
}

async function sourceRate(bed: KinesisTestBed, stream: string, shards: number): Promise<number> {
  const run = await SourceRun.start(bed.source(stream, { recordsPerCall: PER_CALL, pollInterval: 200 }), Math.min(2, shards));
  const random = new SeededRandom(1);
  const started = performance.now();
  while (!run.finished) await run.poll(random);
  const seconds = (performance.now() - started) / 1000;
  await run.close();
  if (run.delivered.length !== PER_SHARD * shards) throw new Error(`read ${run.delivered.length} records, expected ${PER_SHARD * shards}`);
  return run.delivered.length / shards / seconds;
}

async function rawRate(bed: KinesisTestBed, stream: string, shards: number): Promise<number> {
  const started = performance.now();
  let total = 0;
  await Promise.all(
    (await bed.shards(stream)).map(async (shard) => {
      let iterator = (await bed.client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      let read = 0;
      while (iterator !== undefined && read < PER_SHARD) {
        const batch = await bed.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: PER_CALL }));
        read += batch.Records?.length ?? 0;
        iterator = batch.NextShardIterator;
      }
      total += read;
    }),
  );
  return total / shards / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const { service, stop } = await benchService('kinesis', fromEnv);
  const bed = new KinesisTestBed(service);
  const rows: string[] = [];
  try {
    for (const shards of SHARD_COUNTS) {
      progress(`filling a ${shards}-shard stream with ${PER_SHARD} records per shard…`);
      const { stream, bytesPerRecord } = await fill(bed, shards);
      const raw = await rawRate(bed, stream, shards);
      const source = await sourceRate(bed, stream, shards);
      const limit = Math.min(5 * PER_CALL, SERVICE_BYTES_PER_SECOND / bytesPerRecord);
      rows.push(
        `| ${shards} | ${Math.round(source).toLocaleString('en')} | ${Math.round(raw).toLocaleString('en')} | ${(source / raw).toFixed(2)} | ${Math.round(limit).toLocaleString('en')} |`,
      );
    }
  } finally {
    await bed.close();
    await stop();
  }
  process.stdout.write(
    [
      `Kinesis source against kinesis-mock: ${PER_SHARD} records per shard, ${PER_CALL} per GetRecords call`,
      '',
      '| shards | source records/s per shard | raw SDK loop records/s per shard (no pacing) | source / raw | service limit per shard (5 calls/s, 2 MiB/s) |',
      '| ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
