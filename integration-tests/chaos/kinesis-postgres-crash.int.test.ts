import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { SeededRandom } from '../../core/testing/seeded-random';
import { testServices } from '../env';
import { KinesisTestBed } from '../kinesis/kinesis-test-bed';
import { preparedGids } from '../postgres/postgres-sink-fixtures';
import { describeCrashTrial, runCrashTrial } from '../support/crash-trial';
import { chaosRecord, describeTally, tallyIds } from '../support/kafka-topics';

/**
 * Crash test with real processes: `lockstep run` on a 4-shard Kinesis stream of kinesis-mock (50,000 records; one
 * shard split half-way through the put, so its children are read after it) → map → Postgres exactly-once, bounded,
 * checkpoints every 500 ms, SIGKILLed at random moments and at the fail points right after a checkpoint became
 * durable and in the middle of a commit, then re-run until it finishes. Afterwards `count(*)` and
 * `count(DISTINCT id)` must both equal the input, every id must be there, and no prepared transaction may be left.
 */
const services = testServices();
const { url } = services.postgres;
const RECORDS = Number(process.env.LOCKSTEP_KINESIS_CRASH_RECORDS ?? 50_000);
const KILLS = 5;
const SEEDS = (process.env.LOCKSTEP_KINESIS_CRASH_SEEDS ?? '7').split(',').map(Number);
const RATE = Number(process.env.LOCKSTEP_KINESIS_CRASH_RATE ?? 5_000);

function pipelineYaml(name: string, dir: string, stream: string, table: string): string {
  const { endpoint, region, credentials } = services.kinesis;
  return [
    `name: ${name}`,
    'guarantee: exactly-once',
    `checkpoint: { interval: 500ms, timeout: 30s, storage: "${join(dir, 'checkpoints')}" }`,
    'parallelism: 2',
    'sources:',
    `  - id: in`,
    `    type: kinesis`,
    `    stream: ${stream}`,
    `    region: ${region}`,
    `    endpoint: "${endpoint}"`,
    `    credentials: { accessKeyId: ${credentials.accessKeyId}, secretAccessKey: ${credentials.secretAccessKey} }`,
    '    bounded: true',
    '    pollInterval: 200ms',
    '    valueFormat: json',
    'transforms:',
    '  - { id: tag, type: map, set: { doubled: "value.seq * 2" } }',
    // Paced so that the kills land mid-stream.
    `  - { id: pace, type: throttle, recordsPerSecond: ${RATE} }`,
    'sinks:',
    `  - { id: pg, type: postgres, url: "${url}", table: ${table} }`,
    '',
  ].join('\n');
}

describe('kinesis → postgres under kill -9', () => {
  let dir: string;
  let db: Client;
  let bed: KinesisTestBed;
  beforeAll(async () => {
    db = new Client({ connectionString: url });
    await db.connect();
  });
  afterAll(() => db.end());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-kinesis-crash-'));
    bed = new KinesisTestBed(services.kinesis);
  });
  afterEach(async () => {
    await bed.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(SEEDS)('seed %i: every id exactly once in the table after ≥5 kills, no prepared transaction left', async (seed) => {
    const random = new SeededRandom(seed);
    const run = `${seed}-${randomUUID().slice(0, 8)}`;
    const name = `chaos-kinesis-${run}`;
    const table = `chaos_kinesis_${run.replaceAll('-', '_')}`;
    try {
      const stream = await bed.createStream('chaos-kinesis', 4);
      const put = (from: number, to: number) =>
        bed.put(stream, Array.from({ length: to - from }, (_, n) => chaosRecord(from + n)).map((record) => ({ key: record.id, data: { ...record } })));
      await put(0, RECORDS / 2);
      await bed.split(stream, 'shardId-000000000001');
      await put(RECORDS / 2, RECORDS);
      // No unique constraint on id: a duplicate must show up in the count, not be refused by the database.
      await db.query(`CREATE TABLE ${table} (id text NOT NULL, seq integer NOT NULL, note text, doubled integer NOT NULL)`);

      const file = join(dir, 'pipeline.yaml');
      await writeFile(file, pipelineYaml(name, dir, stream, table));
      const trial = await runCrashTrial({ pipelineFile: file, logFile: join(dir, 'runs.log'), random, randomKills: KILLS, killAfterMs: [2_000, 4_500] });

      const counts = await db.query<{ total: string; ids: string; wrong: string }>(
        `SELECT count(*) AS total, count(DISTINCT id) AS ids, count(*) FILTER (WHERE doubled <> seq * 2) AS wrong FROM ${table}`,
      );
      const { total, ids, wrong } = counts.rows[0] as { total: string; ids: string; wrong: string };
      const tally = tallyIds((await db.query<{ id: string }>(`SELECT id FROM ${table}`)).rows.map((row) => row.id), RECORDS);
      const prepared = await preparedGids(db, `lockstep:${name}:`);
      process.stdout.write(
        `kinesis → postgres crash trial, seed ${seed}: ${RECORDS} records, ${describeCrashTrial(trial)}; ` +
          `count(*) ${total}, count(DISTINCT id) ${ids}: ${describeTally(tally)}, ${wrong} malformed; ${prepared.length} prepared transactions left\n`,
      );

      expect(trial.kills).toBeGreaterThanOrEqual(KILLS);
      expect(trial.failPointKills.length).toBeGreaterThanOrEqual(1);
      expect({ total: Number(total), ids: Number(ids), wrong: Number(wrong) }).toEqual({ total: RECORDS, ids: RECORDS, wrong: 0 });
      expect(tally.missing.slice(0, 5)).toEqual([]);
      expect(tally.foreign.slice(0, 5)).toEqual([]);
      expect(prepared).toEqual([]);
    } finally {
      await db.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    }
  }, 900_000);
});
