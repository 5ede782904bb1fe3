import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { testServices } from '../env';
import { usePostgresClient, useTempDir } from '../support/chaos-fixtures';
import { startLockstep, type LockstepProcess } from '../support/lockstep-process';
import { createTestTopics, testKafka } from '../support/test-kafka';
import { uniqueTable } from './postgres-table-fixtures';

/**
 * Replication through Kafka: one `lockstep run` streams a table's changes (postgres-cdc) into a Kafka topic of three
 * partitions, keyed by the row key, another reads the topic (`valueFormat: json`) into the postgres sink with the
 * obvious config. The sink must recognise the change events after the hop (by their shape: no header is relied on)
 * and apply them; a key change followed by a re-insert of the old key — whose records land in different partitions —
 * must end as in the source. The oracle is Postgres' own text output of both tables.
 */
const services = testServices();
const { url } = services.postgres;
const { brokers } = services.kafka;

describe('postgres-cdc → kafka → postgres sink (two lockstep runs, JSON values)', () => {
  const tempDir = useTempDir('lockstep-pg-kafka-apply-');
  const pg = usePostgresClient(url);
  const kafka = testKafka(brokers);
  const cleanup: string[] = [];

  afterEach(async () => {
    for (const statement of cleanup.splice(0).reverse()) await pg().query(statement).catch(() => undefined);
  });

  async function rowsAsText(table: string): Promise<string[]> {
    const result = await pg().query<{ row: string }>(`SELECT whole::text AS row FROM ${table} whole ORDER BY id`);
    return result.rows.map((row) => row.row);
  }

  async function equal(source: string, target: string): Promise<boolean> {
    return JSON.stringify(await rowsAsText(source)) === JSON.stringify(await rowsAsText(target));
  }

  async function until(what: string, logs: readonly string[], check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 90_000;
    while (!(await check())) {
      if (Date.now() > deadline) {
        const text = await Promise.all(logs.map((log) => readFile(log, 'utf8').catch(() => '')));
        throw new Error(`${what} not reached after 90 s; the runs' logs:\n${text.join('\n----\n')}`);
      }
      await sleep(250);
    }
  }

  it('applies the change events after the Kafka hop: the target prints as the source', async () => {
    const source = uniqueTable('kapply_src');
    const target = uniqueTable('kapply_dst');
    const topic = `kapply-${source.slice(-12)}`;
    const columns = 'id int PRIMARY KEY, note text, raw bytea, doc jsonb, f8 float8, n numeric';
    await pg().query(`CREATE TABLE ${source} (${columns})`);
    await pg().query(`CREATE TABLE ${target} (${columns})`);
    cleanup.push(`DROP TABLE ${source}`, `DROP TABLE ${target}`);
    cleanup.push(`SELECT pg_drop_replication_slot('${source}')`, `DROP PUBLICATION IF EXISTS ${source}`);
    const admin = kafka.admin();
    await admin.connect();
    const runs: LockstepProcess[] = [];
    try {
      await createTestTopics(admin, [{ topic, numPartitions: 3 }]);
      await pg().query(
        `INSERT INTO ${source} SELECT g, 'row ' || g, decode(md5(g::text), 'hex'), jsonb_build_object('g', g, 'x', 1.50), g / 3.0, g * 1.10 FROM generate_series(1, 40) g`,
      );
      await pg().query(`INSERT INTO ${source} VALUES (41, E'tab\\there', '\\x00ff', '{"n": 1e400}', 'NaN', 'NaN'), (42, '', '', 'null', '-0', -0.0)`);
      const dir = tempDir();
      const toKafka = join(dir, 'to-kafka.yaml');
      const toPostgres = join(dir, 'to-postgres.yaml');
      await writeFile(
        toKafka,
        [
          `name: kapply-in-${source.slice(-8)}`,
          `checkpoint: { interval: 200ms, storage: "${join(dir, 'checkpoints-in')}" }`,
          `sources: [{ id: src, type: postgres-cdc, url: "${url}", tables: [${source}], slot: ${source}, publication: ${source} }]`,
          `sinks: [{ id: out, type: kafka, brokers: ${JSON.stringify(brokers)}, topic: ${topic} }]`,
          '',
        ].join('\n'),
      );
      await writeFile(
        toPostgres,
        [
          `name: kapply-out-${source.slice(-8)}`,
          `checkpoint: { interval: 200ms, storage: "${join(dir, 'checkpoints-out')}" }`,
          `sources: [{ id: in, type: kafka, brokers: ${JSON.stringify(brokers)}, topics: [${topic}], valueFormat: json }]`,
          `sinks: [{ id: dst, type: postgres, url: "${url}", table: ${target} }]`,
          '',
        ].join('\n'),
      );
      const logs = [join(dir, 'to-kafka.log'), join(dir, 'to-postgres.log')];
      runs.push(startLockstep(['run', toKafka], logs[0] as string), startLockstep(['run', toPostgres], logs[1] as string));
      await until('the snapshot in the target', logs, () => equal(source, target));
      for (const statement of [
        `UPDATE ${source} SET note = 'updated', raw = '\\xfeff', f8 = '-Infinity' WHERE id BETWEEN 1 AND 5`,
        `DELETE FROM ${source} WHERE id IN (6, 7)`,
        // the key moves away and the old key comes back: delete and re-insert in the old key's partition, the update in the new key's
        `UPDATE ${source} SET id = 1008 WHERE id = 8`,
        `INSERT INTO ${source} (id, note) VALUES (8, 'old key again')`,
        `UPDATE ${source} SET id = id + 2000 WHERE id BETWEEN 9 AND 15`,
        `INSERT INTO ${source} (id, note) SELECT g, 'back ' || g FROM generate_series(9, 12) g`,
        `BEGIN; DELETE FROM ${source} WHERE id = 16; INSERT INTO ${source} (id, note) VALUES (16, 'again'); COMMIT`,
        `BEGIN; UPDATE ${source} SET note = 'a' WHERE id = 17; UPDATE ${source} SET note = 'b' WHERE id = 17; COMMIT`,
        `BEGIN; UPDATE ${source} SET id = -18 WHERE id = 18; UPDATE ${source} SET id = 18 WHERE id = 19; UPDATE ${source} SET id = 19 WHERE id = -18; COMMIT`,
      ]) {
        await pg().query(statement);
      }
      await until('every change in the target', logs, () => equal(source, target));
      for (const run of runs) run.child.kill('SIGTERM');
      expect(await Promise.all(runs.map((run) => run.exited))).toEqual([0, 0]);
      const rows = await rowsAsText(source);
      expect(rows).toContain('(8,"old key again",,,,)');
      expect(rows.length).toBe(42 - 2 + 1 + 4);
      expect(await rowsAsText(target)).toEqual(rows);
    } finally {
      for (const run of runs) if (run.child.exitCode === null) run.child.kill('SIGKILL');
      await Promise.all(runs.map((run) => run.exited));
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 180_000);
});
