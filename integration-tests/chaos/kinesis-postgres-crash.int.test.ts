import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SeededRandom } from '../../core/testing/seeded-random';
import { testServices } from '../env';
import { KinesisTestBed } from '../kinesis/kinesis-test-bed';
import { usePostgresClient, useTempDir } from '../support/chaos-fixtures';
import { DOUBLED_TRANSFORM_LINE, exactlyOnceHeader } from '../support/chaos-pipeline-yaml';
import { crashTrialSettings, describeCrashTrial, expectKillsLanded, runCrashTrial } from '../support/crash-trial';
import { chaosRecord } from '../support/kafka-topics';
import { checkTargetTable, createTargetTable, describeTargetTable, expectEveryIdOnce } from '../support/postgres-target';

/**
 * Crash test with real processes: `lockstep run` on a 4-shard Kinesis stream of kinesis-mock (50,000 records; one
 * shard split half-way through the put, so its children are read after it) → map → Postgres exactly-once, bounded,
 * checkpoints every 500 ms, SIGKILLed at random moments and at the fail points right after a checkpoint became
 * durable and in the middle of a commit, then re-run until it finishes. Afterwards `count(*)` and
 * `count(DISTINCT id)` must both equal the input, every id must be there, and no prepared transaction may be left.
 */
const services = testServices();
const { url } = services.postgres;
const { records: RECORDS, seeds: SEEDS, rate: RATE } = crashTrialSettings('KINESIS', { records: 50_000, seeds: '7', rate: 5_000 });
const KILLS = 5;

function pipelineYaml(name: string, dir: string, stream: string, table: string): string {
  const { endpoint, region, credentials } = services.kinesis;
  return [
    ...exactlyOnceHeader(name, dir, 2),
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
    DOUBLED_TRANSFORM_LINE,
    // Paced so that the kills land mid-stream.
    `  - { id: pace, type: throttle, recordsPerSecond: ${RATE} }`,
    'sinks:',
    `  - { id: pg, type: postgres, url: "${url}", table: ${table} }`,
    '',
  ].join('\n');
}

describe('kinesis → postgres under kill -9', () => {
  const tempDir = useTempDir('lockstep-kinesis-crash-');
  const pg = usePostgresClient(url);
  let bed: KinesisTestBed;
  beforeEach(() => {
    bed = new KinesisTestBed(services.kinesis);
  });
  afterEach(() => bed.close());

  it.each(SEEDS)('seed %i: every id exactly once in the table after ≥5 kills, no prepared transaction left', async (seed) => {
    const dir = tempDir();
    const db = pg();
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
      await createTargetTable(db, table, { doubled: true });

      const file = join(dir, 'pipeline.yaml');
      await writeFile(file, pipelineYaml(name, dir, stream, table));
      const trial = await runCrashTrial({ pipelineFile: file, logFile: join(dir, 'runs.log'), random, randomKills: KILLS, killAfterMs: [2_000, 4_500] });

      const check = await checkTargetTable(db, table, { records: RECORDS, gidPrefix: `lockstep:${name}:`, doubled: true });
      process.stdout.write(
        `kinesis → postgres crash trial, seed ${seed}: ${RECORDS} records, ${describeCrashTrial(trial)}; ` +
          `${describeTargetTable(check)}\n`,
      );

      expectKillsLanded(trial, KILLS);
      expectEveryIdOnce(check, RECORDS);
    } finally {
      await db.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    }
  }, 900_000);
});
