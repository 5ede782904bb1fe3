import type { PutRecordsCommandInput, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createKinesisClient } from '../../connectors/kinesis/kinesis-client';
import { kinesisSinkPlugin, KinesisSink, KinesisSinkWriter, PutEntryEncoder, putBatch, type PutCounters } from '../../connectors/kinesis/sink';
import { testPluginContext, testSinkWriterInitContext, validatedConfig } from '../../core/testing';
import { testServices } from '../env';
import { startLockstep } from '../support/lockstep-process';
import { KinesisTestBed } from './kinesis-test-bed';

/**
 * The Kinesis sink against kinesis-mock, read back with the AWS SDK's own client: entries the service refuses are put
 * again, and only those; a writer's flush leaves every record in the stream with its record id.
 */
const service = testServices().kinesis;

describe('kinesis sink', () => {
  let bed: KinesisTestBed;
  beforeEach(() => {
    bed = new KinesisTestBed(service);
  });
  afterEach(() => bed.close());

  it('puts again only the entries the service refused (throttled), until every one is in the stream once', async () => {
    const stream = await bed.createStream('sink-retry', 2);
    const client = createKinesisClient(bed.config(stream));
    // In front of the real service: every third entry of a request is withheld and answered as throttled, the way
    // PutRecords reports a refused entry; kinesis-mock itself does not throttle.
    let refusedTotal = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as PutRecordsCommandInput;
        const records = input.Records ?? [];
        const refused = new Set(records.flatMap((_, index) => (records.length > 1 && index % 3 === 0 ? [index] : [])));
        refusedTotal += refused.size;
        const result = await next({ ...args, input: { ...input, Records: records.filter((_, index) => !refused.has(index)) } });
        const output = result.output as PutRecordsCommandOutput;
        const written = [...(output.Records ?? [])];
        const merged = records.map((_, index) => (refused.has(index) ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard' } : written.shift()));
        return { ...result, output: { ...output, FailedRecordCount: refused.size, Records: merged } };
      },
      { step: 'initialize', name: 'refuseEveryThirdEntry' },
    );
    const encoder = new PutEntryEncoder({ format: 'json', idField: 'lockstepId' });
    const entries = Array.from({ length: 90 }, (_, n) => encoder.encode({ value: { id: `e-${n}` }, key: `k${n % 5}`, origin: `test@${n}` }));
    const counters: PutCounters = { calls: 0, retriedEntries: 0 };
    await putBatch(client, stream, entries, { maxAttempts: 10, initialDelayMs: 10, maxDelayMs: 50 }, counters, pino({ level: 'silent' }));
    client.destroy();

    const ids = [...(await bed.readAll(stream)).values()].flat().map((value) => value.id as string);
    expect(ids.sort()).toEqual(Array.from({ length: 90 }, (_, n) => `e-${n}`).sort());
    expect(counters.retriedEntries).toBe(refusedTotal);
    expect(refusedTotal).toBeGreaterThan(30);
    expect(counters.calls).toBeGreaterThan(3);
  });

  it('flush leaves every record written in the stream, in batches of maxBatchRecords, each with its record id', async () => {
    const stream = await bed.createStream('sink-flush', 1);
    const sink = new KinesisSink(
      validatedConfig(kinesisSinkPlugin, { id: 'out', stream, region: service.region, endpoint: service.endpoint, credentials: { ...service.credentials }, maxBatchRecords: 40 }),
      testPluginContext({ pipeline: 'kinesis-sink-test', componentId: 'out' }),
    );
    const writer = sink.createWriter(testSinkWriterInitContext({ componentId: 'out' }), undefined);
    await writer.init();
    const records = Array.from({ length: 150 }, (_, n) => ({ value: { id: `f-${n}`, n }, key: `k${n % 3}`, origin: `in@${n}` }));
    await writer.write(records);
    await writer.flush(false);
    await writer.close();
    expect(writer).toBeInstanceOf(KinesisSinkWriter);
    expect((writer as KinesisSinkWriter).counters).toEqual({ calls: 4, retriedEntries: 0 });
    const values = [...(await bed.readAll(stream)).values()].flat();
    expect(values.map((value) => value.id)).toEqual(records.map((record) => record.value.id));
    expect(new Set(values.map((value) => value.lockstepId)).size).toBe(150);
    expect(values[0]).toEqual({ id: 'f-0', n: 0, lockstepId: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it('lockstep run: generator → kinesis puts every record once, each with the id of its source position', async () => {
    const stream = await bed.createStream('sink-pipeline', 2);
    const dir = await mkdtemp(join(tmpdir(), 'lockstep-kinesis-sink-'));
    try {
      const file = join(dir, 'pipeline.yaml');
      await writeFile(
        file,
        [
          'name: generator-to-kinesis',
          `checkpoint: { interval: 200ms, storage: "${join(dir, 'checkpoints')}" }`,
          'parallelism: 2',
          'sources: [{ id: gen, type: generator, count: 1000 }]',
          'sinks:',
          `  - { id: out, type: kinesis, stream: ${stream}, region: ${service.region}, endpoint: "${service.endpoint}", credentials: { accessKeyId: ${service.credentials.accessKeyId}, secretAccessKey: ${service.credentials.secretAccessKey} } }`,
          '',
        ].join('\n'),
      );
      const run = startLockstep(['run', file], join(dir, 'run.log'));
      expect(await run.exited).toBe(0);
      const values = [...(await bed.readAll(stream)).values()].flat() as { seq: number; lockstepId: string }[];
      expect(values.map((value) => value.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, n) => n));
      const bySeq = new Map(values.map((value) => [value.seq, value.lockstepId]));
      expect(new Set(bySeq.values()).size).toBe(1000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
