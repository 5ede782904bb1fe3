import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testServices } from '../env';
import { preparedGids } from '../postgres/postgres-sink-fixtures';
import { usePostgresClient, useTempDir } from '../support/chaos-fixtures';
import { exactlyOnceHeader, kafkaJsonSourceLine } from '../support/chaos-pipeline-yaml';
import { produceChaosRecords } from '../support/kafka-topics';
import { checkTargetTable, createTargetTable, describeTargetTable, expectEveryIdOnce } from '../support/postgres-target';
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
    ...exactlyOnceHeader(name, dir, 2),
    'sources:',
    kafkaJsonSourceLine(brokers, topic),
    'transforms:',
    `  - { id: pace, type: throttle, recordsPerSecond: ${RATE} }`,
    'sinks:',
    `  - { id: pg, type: postgres, url: "${url}", table: ${table}, mode: insert }`,
    '',
  ].join('\n');
}

describe('a zombie owner with a Postgres sink (SIGSTOP, take-over, SIGCONT)', () => {
  const kafka = testKafka(brokers, 'lockstep-zombie');
  const tempDir = useTempDir('lockstep-zombie-pg-');
  const pg = usePostgresClient(url);

  it('fences the woken zombie: it writes nothing more, and every id lands exactly once', async () => {
    const dir = tempDir();
    const db = pg();
    const run = randomUUID().slice(0, 8);
    const name = `zombie-pg-${run}`;
    const topic = `zombie-pg-in-${run}`;
    const table = `zombie_pg_${run}`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await createTestTopics(admin, [{ topic, numPartitions: 2 }]);
      await produceChaosRecords(kafka, topic, RECORDS);
      await createTargetTable(db, table, { doubled: false });
      const file = join(dir, 'pipeline.yaml');
      await writeFile(file, pipelineYaml(name, dir, topic, table));
      const gidPrefix = `lockstep:${name}:pg:`;
      const sinkState = async (): Promise<unknown> => ({
        rows: (await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n,
        markers: (await db.query<{ gid: string }>('SELECT gid FROM lockstep_commits WHERE pipeline = $1 ORDER BY gid', [name])).rows.map((row) => row.gid),
        prepared: await preparedGids(db, gidPrefix),
      });

      const trial = await runZombieTrial({ pipelineFile: file, storeDir: join(dir, 'checkpoints'), logDir: dir, takeOver: 'flag', sinkState });

      const check = await checkTargetTable(db, table, { records: RECORDS, gidPrefix, doubled: false });
      const { observer } = trial;
      process.stdout.write(
        `zombie with a postgres sink: owner checkpoints ${[1, 2, 3].map((epoch) => `${epoch}: [${observer.idsOf(epoch).join(',')}]`).join('; ')}; ` +
          `zombie exited ${String(trial.zombieExit)} ${trial.zombieExitMs} ms after SIGCONT; final run exit ${String(trial.finalExit)}; ` +
          `${describeTargetTable(check)}\n`,
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
      expectEveryIdOnce(check, RECORDS);
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
      await db.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    }
  }, 900_000);
});
