import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { testServices } from '../env';
import { useTempDir, usePostgresClient } from '../support/chaos-fixtures';
import { eventually } from '../support/eventually';
import { produceChaosRecords } from '../support/kafka-topics';
import { checkTargetTable, createTargetTable, describeTargetTable, expectEveryIdOnce } from '../support/postgres-target';
import { createTestTopics, testKafka } from '../support/test-kafka';
import { useServices, waitForStatus, type ServiceUnderTest } from './service-process';

const services = testServices();
const { brokers } = services.kafka;
const { url } = services.postgres;
const RECORDS = 20_000;

describe('lockstep serve under kill -9', () => {
  // declared first: jest runs afterEach hooks in declaration order, so the services stop before their folders go
  const startService = useServices();
  const tempDir = useTempDir('lockstep-serve-crash-');
  const pg = usePostgresClient(url);
  const kafka = testKafka(brokers, 'lockstep-serve-crash');
  let service: ServiceUnderTest | undefined;

  it('brings its pipelines back after SIGKILL, each in its state, and resumes from the checkpoints: every id once', async () => {
    const dir = tempDir();
    const stateDir = join(dir, 'state');
    await mkdir(stateDir);
    const run = randomUUID().slice(0, 8);
    const name = `serve-crash-${run}`;
    const topic = `serve-crash-${run}`;
    const table = `serve_crash_${run}`;
    const admin = kafka.admin();
    await admin.connect();
    await createTestTopics(admin, [{ topic, numPartitions: 3 }]);
    await admin.disconnect();
    await produceChaosRecords(kafka, topic, RECORDS);
    // no unique constraint: a duplicate shows in the count instead of being refused
    await createTargetTable(pg(), table, { doubled: false });
    const count = async (): Promise<number> => Number((await pg().query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);

    service = await startService({ stateDir });
    const created = await service.call('POST', '/pipelines', {
      name,
      guarantee: 'exactly-once',
      checkpoint: { interval: '300ms', storage: join(dir, 'checkpoints') },
      parallelism: 3,
      sources: [{ id: 'in', type: 'kafka', brokers, topics: [topic], bounded: 'latest', valueFormat: 'json' }],
      // paced, so that the kill lands mid-stream
      transforms: [{ id: 'pace', type: 'throttle', recordsPerSecond: 1_500 }],
      sinks: [{ id: 'pg', type: 'postgres', url, table }],
    });
    expect(created.status).toBe(201);
    // a second pipeline, paused on purpose: it must come back paused
    const held = `serve-held-${run}`;
    await service.call('POST', '/pipelines', {
      name: held,
      checkpoint: { interval: '1s', storage: join(dir, 'held-checkpoints') },
      sources: [{ id: 'g', type: 'generator', count: 1_000_000, ratePerSecond: 100 }],
      sinks: [{ id: 'f', type: 'file', path: join(dir, 'held-out') }],
    });
    expect((await service.call<{ state: string }>('PUT', `/pipelines/${held}/pause`)).body.state).toBe('PAUSED');

    const before = await eventually(count, (n) => n >= 3_000, 60_000);
    expect(before).toBeGreaterThanOrEqual(3_000);
    expect(await service.kill()).toBe('SIGKILL');
    const atKill = await count();
    expect(atKill).toBeLessThan(RECORDS);

    service = await startService({ stateDir });
    const pipelines = await service.call<{ name: string; state: string }[]>('GET', '/pipelines');
    expect(Object.fromEntries(pipelines.body.map((pipeline) => [pipeline.name, pipeline.state]))).toEqual({ [name]: expect.stringMatching(/^(RUNNING|FINISHED)$/), [held]: 'PAUSED' });
    const finished = await waitForStatus(service, name, (status) => status.state === 'FINISHED' || status.state === 'FAILED', 180_000);
    expect(finished.state).toBe('FINISHED');

    const check = await checkTargetTable(pg(), table, { records: RECORDS, gidPrefix: `lockstep:${name}:`, doubled: false });
    process.stdout.write(`lockstep serve kill -9: ${atKill} rows at the kill; after the restart ${describeTargetTable(check)}\n`);
    expectEveryIdOnce(check, RECORDS);
  }, 300_000);
});
