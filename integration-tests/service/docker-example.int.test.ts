import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testServices } from '../env';
import { useTempDir, usePostgresClient } from '../support/chaos-fixtures';
import { eventually } from '../support/eventually';
import { createTestTopics, testKafka } from '../support/test-kafka';
import { startService, waitForStatus } from './service-process';

const services = testServices();
const { brokers } = services.kafka;
const { url } = services.postgres;
const ROOT = join(__dirname, '..', '..');
const ORDERS = 1_000;

/**
 * The example of docker/compose.serve.yaml, without Docker: `lockstep serve --config-dir docker/pipelines` runs the
 * same pipeline file against the test services (its ${VAR}s pointed at them), with the table from the same
 * docker/postgres-init SQL; orders produced to Kafka arrive in Postgres once each.
 */
describe('the docker example pipeline (docker/pipelines/orders-to-postgres.yaml)', () => {
  const tempDir = useTempDir('lockstep-serve-docker-');
  const pg = usePostgresClient(url);

  it('runs in lockstep serve from the config directory and copies the orders into Postgres exactly once', async () => {
    const dir = tempDir();
    const stateDir = join(dir, 'state');
    await mkdir(stateDir);
    const run = randomUUID().slice(0, 8);
    const topic = `docker-orders-${run}`;
    const table = `docker_orders_${run}`;
    const sql = await readFile(join(ROOT, 'docker', 'postgres-init', '01-orders.sql'), 'utf8');
    await pg().query(sql.replace('EXISTS orders (', `EXISTS ${table} (`));
    const kafka = testKafka(brokers, 'lockstep-serve-docker');
    const admin = kafka.admin();
    await admin.connect();
    await createTestTopics(admin, [{ topic, numPartitions: 3 }]);
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const messages = Array.from({ length: ORDERS }, (_, i) => ({
      key: `o-${i}`,
      value: JSON.stringify({ id: `o-${i}`, customer: `c-${i % 17}`, amount: (i % 50) + 0.5, status: 'new' }),
    }));
    await producer.send({ topic, acks: -1, messages });
    await producer.disconnect();

    const secret = `pw-${run}`;
    const service = await startService({
      stateDir,
      configDir: join(ROOT, 'docker', 'pipelines'),
      env: { LOCKSTEP_CHECKPOINTS: join(dir, 'checkpoints'), KAFKA_BROKERS: brokers.join(','), PG_URL: url, PG_PASSWORD: secret, ORDERS_TOPIC: topic, ORDERS_TABLE: table },
    });
    try {
      const status = await waitForStatus(service, 'orders-to-postgres', (s) => s.state === 'RUNNING' && s.lastCheckpoint !== null);
      expect(status.state).toBe('RUNNING');
      const count = async (): Promise<number> => Number((await pg().query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);
      expect(await eventually(count, (n) => n === ORDERS, 60_000)).toBe(ORDERS);
      const pipeline = await service.call<{ origin: string }>('GET', '/pipelines/orders-to-postgres');
      expect(pipeline.body.origin).toBe('config-dir');
      expect(pipeline.text).not.toContain(secret);
      // read-only through the API: the file is the source of truth
      expect((await service.call('DELETE', '/pipelines/orders-to-postgres')).status).toBe(403);
      expect((await service.call('GET', '/readyz')).status).toBe(200);
    } finally {
      expect(await service.stop()).toBe(0);
    }
    const rows = await pg().query<{ n: string; ids: string; amount: string }>(`SELECT count(*) AS n, count(DISTINCT id) AS ids, sum(amount) AS amount FROM ${table}`);
    const expectedAmount = messages.reduce((sum, _, i) => sum + (i % 50) + 0.5, 0);
    expect(rows.rows[0]).toEqual({ n: String(ORDERS), ids: String(ORDERS), amount: expectedAmount.toFixed(1) });
  }, 300_000);
});
