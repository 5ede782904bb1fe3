import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Client } from 'pg';
import { killService, restartService, startService, testServices } from './index';
import { readCommitted } from '../support/kafka-read-committed';
import { createTestTopics, testKafka } from '../support/test-kafka';

/**
 * The fault-injection hooks of the test services (integration-tests/env/service-control.ts) really crash and restart
 * a service: while killed its port refuses connections; started again it answers on the same address with the data
 * it had, and clients reconnect.
 */
const services = testServices();

/** True when a TCP connection to `host:port` is refused (nothing listens). */
function refusesConnections(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

async function pgClient(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  // A server that dies under an idle connection is reported as an 'error' event; the test looks at queries instead.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

describe('killing and starting a test service', () => {
  it('kafka: refuses connections while killed; started again, a producer reconnects and the log survived', async () => {
    const { brokers } = services.kafka;
    const broker = brokers[0] as string;
    const topic = `service-restart-${randomUUID().slice(0, 8)}`;
    const kafka = testKafka(brokers, 'lockstep-service-restart');
    const admin = kafka.admin();
    await admin.connect();
    await createTestTopics(admin, [{ topic, numPartitions: 1 }]);
    await admin.disconnect();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'before' }] });

      await killService('kafka');
      expect(await refusesConnections(broker)).toBe(true);
      const { ms } = await startService('kafka');
      expect(await refusesConnections(broker)).toBe(false);

      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'after' }] });
      const values = (await readCommitted(brokers, topic)).map((message) => message.value);
      process.stdout.write(`kafka killed and started again; start took ${ms} ms\n`);
      expect(values).toEqual(['before', 'after']);
    } finally {
      await producer.disconnect();
    }
  }, 240_000);

  it('postgres: killed mid-session; started again, committed rows and a prepared transaction survived', async () => {
    const { url } = services.postgres;
    const table = `service_restart_${randomUUID().slice(0, 8)}`;
    const gid = `service-restart:${table}`;
    const first = await pgClient(url);
    const startTime = async (client: Client) =>
      (await client.query<{ t: string }>('SELECT pg_postmaster_start_time()::text AS t')).rows[0]?.t;
    const startedBefore = await startTime(first);
    await first.query(`CREATE TABLE ${table} (id int)`);
    await first.query(`INSERT INTO ${table} VALUES (1)`);
    await first.query('BEGIN');
    await first.query(`INSERT INTO ${table} VALUES (2)`);
    await first.query(`PREPARE TRANSACTION '${gid}'`);

    const restart = await restartService('postgres', { downForMs: 500 });
    await expect(first.query('SELECT 1')).rejects.toThrow();
    await first.end().catch(() => undefined);

    const second = await pgClient(url);
    try {
      expect(await startTime(second)).not.toBe(startedBefore);
      expect((await second.query(`SELECT id FROM ${table}`)).rows).toEqual([{ id: 1 }]);
      expect((await second.query('SELECT gid FROM pg_prepared_xacts WHERE gid = $1', [gid])).rows).toEqual([{ gid }]);
      await second.query(`COMMIT PREPARED '${gid}'`);
      expect((await second.query(`SELECT id FROM ${table} ORDER BY id`)).rows).toEqual([{ id: 1 }, { id: 2 }]);
      process.stdout.write(`postgres killed and started again: down ${restart.downMs} ms (start ${restart.startMs} ms)\n`);
    } finally {
      await second.query(`ROLLBACK PREPARED '${gid}'`).catch(() => undefined);
      await second.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      await second.end();
    }
  }, 240_000);
});
