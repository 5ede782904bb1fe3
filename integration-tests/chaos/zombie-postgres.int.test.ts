import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { testServices } from '../env';
import { preparedGids } from '../postgres/postgres-sink-fixtures';
import { describeTally, produceChaosRecords, tallyIds } from '../support/kafka-topics';
import { createTestTopics, testKafka } from '../support/test-kafka';
import { runZombieTrial } from '../support/zombie-trial';

/**
 * Issue 11, reproduction 1 (the zombie), with real processes: Kafka → throttle → Postgres (`insert`, no key, no
 * unique constraint: a duplicate shows in the count), parallelism 2, checkpoints every 500 ms. Owner A is paused
 * (SIGSTOP) after 3 checkpoints; the operator takes over with `lockstep run --take-over`; B completes 3 checkpoints and
 * is SIGKILLed; A is woken (SIGCONT) and must stop, fenced (LS_CHECKPOINT_FENCED, exit 1), without writing anything —
 * the store's files, the table, the commit markers and the prepared transactions are the same before and after; a
 * final plain run finishes. Then count(*) = count(DISTINCT id) = the input (pg client), no prepared transaction of the
 * pipeline is left, and the store never reused a checkpoint id nor let its counter go back.
 */
const services = testServices();
const { brokers } = services.kafka;
const { url } = services.postgres;
const RECORDS = 30_000;
const RATE = 2_500;

function pipelineYaml(name: string, dir: string, topic: string, table: string): string {
  return [
    `name: ${name}`,
    'guarantee: exactly-once',
    `checkpoint: { interval: 500ms, timeout: 30s, storage: "${join(dir, 'checkpoints')}" }`,
    'parallelism: 2',
    'sources:',
    `  - { id: in, type: kafka, brokers: ${JSON.stringify(brokers)}, topics: [${topic}], bounded: latest, valueFormat: json }`,
    'transforms:',
    `  - { id: pace, type: throttle, recordsPerSecond: ${RATE} }`,
    'sinks:',
    `  - { id: pg, type: postgres, url: "${url}", table: ${table}, mode: insert }`,
    '',
  ].join('\n');
}

describe('a zombie owner with a Postgres sink (SIGSTOP, take-over, SIGCONT)', () => {
  const kafka = testKafka(brokers, 'lockstep-zombie');
  let dir: string;
  let db: Client;
  beforeAll(async () => {
    db = new Client({ connectionString: url });
    await db.connect();
  });
  afterAll(() => db.end());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-zombie-pg-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('fences the woken zombie: it writes nothing more, and every id lands exactly once', async () => {
    const run = randomUUID().slice(0, 8);
    const name = `zombie-pg-${run}`;
    const topic = `zombie-pg-in-${run}`;
    const table = `zombie_pg_${run}`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await createTestTopics(admin, [{ topic, numPartitions: 2 }]);
      await produceChaosRecords(kafka, topic, RECORDS);
      await db.query(`CREATE TABLE ${table} (id text NOT NULL, seq integer NOT NULL, note text)`);
      const file = join(dir, 'pipeline.yaml');
      await writeFile(file, pipelineYaml(name, dir, topic, table));
      const gidPrefix = `lockstep:${name}:pg:`;
      const sinkState = async (): Promise<unknown> => ({
        rows: (await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n,
        markers: (await db.query<{ gid: string }>('SELECT gid FROM lockstep_commits WHERE pipeline = $1 ORDER BY gid', [name])).rows.map((row) => row.gid),
        prepared: await preparedGids(db, gidPrefix),
      });

      const trial = await runZombieTrial({ pipelineFile: file, storeDir: join(dir, 'checkpoints'), logDir: dir, takeOver: 'flag', sinkState });

      const counts = await db.query<{ total: string; ids: string }>(`SELECT count(*) AS total, count(DISTINCT id) AS ids FROM ${table}`);
      const { total, ids } = counts.rows[0] as { total: string; ids: string };
      const tally = tallyIds((await db.query<{ id: string }>(`SELECT id FROM ${table}`)).rows.map((row) => row.id), RECORDS);
      const prepared = await preparedGids(db, gidPrefix);
      const { observer } = trial;
      process.stdout.write(
        `zombie with a postgres sink: owner checkpoints ${[1, 2, 3].map((epoch) => `${epoch}: [${observer.idsOf(epoch).join(',')}]`).join('; ')}; ` +
          `zombie exited ${String(trial.zombieExit)} ${trial.zombieExitMs} ms after SIGCONT; final run exit ${String(trial.finalExit)}; ` +
          `count(*) ${total}, count(DISTINCT id) ${ids}: ${describeTally(tally)}; ${prepared.length} prepared transactions left\n`,
      );

      // Strictly increasing owner epochs: A 1, B 2, the final run 3 (each fenced its predecessor).
      expect(observer.idsOf(1).length).toBeGreaterThanOrEqual(3);
      expect(observer.idsOf(2).length).toBeGreaterThanOrEqual(3);
      expect(observer.idsOf(3).length).toBeGreaterThan(0);
      expect(trial.successorLog).toMatch(/TAKE-OVER: took the store over from pid \d+ on .* \(owner epoch 1\) as owner epoch 2/);
      expect(trial.zombieExit).toBe(1);
      expect(trial.zombieLogAfterWake).toContain(`pipeline ${name} FAILED (fatal: LS_CHECKPOINT_FENCED)`);
      expect(trial.zombieLogAfterWake).not.toContain('starting from checkpoint');
      expect(trial.zombieLogAfterWake).not.toContain('POSSIBLE DATA LOSS');
      expect(trial.store.afterZombie).toEqual(trial.store.beforeWake);
      expect(trial.sink.afterZombie).toEqual(trial.sink.beforeWake);
      expect(trial.finalExit).toBe(0);
      expect(observer.violations()).toEqual([]);
      expect({ total: Number(total), ids: Number(ids) }).toEqual({ total: RECORDS, ids: RECORDS });
      expect(tally.missing.slice(0, 5)).toEqual([]);
      expect(prepared).toEqual([]);
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
      await db.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    }
  }, 900_000);
});
