import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { testServices } from '../env';
import { readCommitted, type CommittedMessage } from '../support/kafka-read-committed';
import { startLockstep } from '../support/lockstep-process';
import { createTestTopics, testKafka } from '../support/test-kafka';

/**
 * `lockstep run` from postgres-cdc (initial snapshot) to Kafka with the sink's default key format: rows read by the
 * snapshot, then deleted and inserted again so the stream carries the same rows, must land under byte-identical Kafka
 * keys with identical row values — checked with kcat (not lockstep's consumer). The key is a domain over bigint (the
 * case that gave `{"id":2}` from the snapshot and `{"id":"2"}` from the stream), and a float column holds NaN and -0.
 */
const services = testServices();
const { brokers } = services.kafka;
const { url } = services.postgres;
const ROWS = 5;

interface Event {
  readonly op: string;
  readonly after: Record<string, unknown> | null;
}

describe('postgres-cdc → kafka keys (lockstep run)', () => {
  const kafka = testKafka(brokers, 'lockstep-cdc-keys');

  it('writes the same key and row for a row read by the snapshot and by the stream', async () => {
    const run = randomUUID().replaceAll('-', '').slice(0, 12);
    const table = `cdc_keys_${run}`;
    const topic = `cdc-keys-${run}`;
    const dir = await mkdtemp(join(tmpdir(), 'lockstep-cdc-keys-'));
    const db = new Client({ connectionString: url });
    await db.connect();
    const admin = kafka.admin();
    await admin.connect();
    let stop: (() => Promise<number | string>) | undefined;
    try {
      await createTestTopics(admin, [{ topic, numPartitions: 3 }]);
      await db.query(`CREATE DOMAIN ${table}_id AS bigint CHECK (VALUE > 0)`);
      await db.query(`CREATE TABLE ${table} (id ${table}_id PRIMARY KEY, f float8, at timestamptz, ok bool, raw bytea)`);
      const insert = `INSERT INTO ${table} SELECT g, CASE g % 3 WHEN 0 THEN 'NaN'::float8 WHEN 1 THEN '-0'::float8 ELSE 0.1::float8 + 0.2::float8 END,
        '2020-01-01 00:00:00+00', g % 2 = 0, '\\x00ff' FROM generate_series(1, ${ROWS}) g`;
      await db.query(insert);
      const file = join(dir, 'pipeline.yaml');
      await writeFile(
        file,
        [
          `name: cdc-keys-${run}`,
          'guarantee: exactly-once',
          `checkpoint: { interval: 200ms, timeout: 30s, storage: "${join(dir, 'checkpoints')}" }`,
          'sources:',
          `  - { id: cdc, type: postgres-cdc, url: "${url}", tables: [${table}], slot: ${table}, publication: ${table}, snapshot: initial }`,
          'sinks:',
          `  - { id: out, type: kafka, brokers: ${JSON.stringify(brokers)}, topic: ${topic} }`,
          '',
        ].join('\n'),
      );
      const lockstep = startLockstep(['run', file], join(dir, 'run.log'));
      stop = async () => {
        lockstep.child.kill('SIGTERM');
        return lockstep.exited;
      };
      const committed = async (count: number): Promise<CommittedMessage[]> => {
        for (let waited = 0; ; waited += 250) {
          const messages = await readCommitted(brokers, topic);
          if (messages.length >= count) return messages;
          if (waited > 90_000) throw new Error(`only ${messages.length} of ${count} records reached ${topic}; see ${join(dir, 'run.log')}`);
          await sleep(250);
        }
      };
      await committed(ROWS); // the snapshot
      await db.query(`DELETE FROM ${table}`);
      await db.query(insert);
      const messages = await committed(ROWS * 3);
      expect(await stop()).toBe(0);
      stop = undefined;

      const parsed = messages.map((message) => ({ key: message.key, event: JSON.parse(message.value ?? 'null') as Event }));
      const keysOf = (op: string): string[] => parsed.filter((entry) => entry.event.op === op).map((entry) => entry.key ?? 'null').sort();
      const expectedKeys = Array.from({ length: ROWS }, (_, i) => `{"id":${i + 1}}`).sort();
      expect(keysOf('read')).toEqual(expectedKeys);
      expect(keysOf('delete')).toEqual(expectedKeys);
      expect(keysOf('insert')).toEqual(expectedKeys);
      const rows = (op: string): Map<string | null, string> =>
        new Map(parsed.filter((entry) => entry.event.op === op).map((entry) => [entry.key, JSON.stringify(entry.event.after)]));
      const reads = rows('read');
      const inserts = rows('insert');
      for (const [key, row] of reads) expect({ key, row: inserts.get(key) }).toEqual({ key, row });
      expect(JSON.parse(reads.get('{"id":3}')!)).toEqual({ id: 3, f: 'NaN', at: '2020-01-01T00:00:00Z', ok: false, raw: 'AP8=' });
      expect(JSON.parse(reads.get('{"id":1}')!)).toMatchObject({ f: '-0' });
      // a key and its row land in one partition, whichever path read them
      const partitionOf = new Map<string | null, Set<number>>();
      for (const message of messages) partitionOf.set(message.key, (partitionOf.get(message.key) ?? new Set()).add(message.partition));
      for (const [key, partitions] of partitionOf) expect({ key, partitions: partitions.size }).toEqual({ key, partitions: 1 });
    } finally {
      await stop?.().catch(() => undefined);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
      await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [table]).catch(() => undefined);
      await db.query(`DROP PUBLICATION IF EXISTS ${table}`).catch(() => undefined);
      await db.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      await db.query(`DROP DOMAIN IF EXISTS ${table}_id`).catch(() => undefined);
      await db.end();
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
