import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { testServices } from '../env';
import { startLockstep } from '../support/lockstep-process';

/**
 * `lockstep verify` on a Kafka exactly-once sink against the real broker, after a run killed with -9 and a run that
 * recovered and finished: it reads the topic back as a read_committed consumer would (the records of the killed run's
 * open transaction are aborted by the recovery) and finds every generated record once; the brokers still know the
 * sink's transactional ids — committed ones and ids a writer only initialized — and verify must not count those as
 * left over (exit 0). Open transactions are what it reports (the sink's trace inspection).
 */
const { brokers } = testServices().kafka;
const ROOT = join(__dirname, '..', '..');

async function verify(file: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(ROOT, 'cli', 'main.ts'), 'verify', file, '--key', 'seq'], { cwd: ROOT });
    return { code: 0, out: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: failed.code ?? -1, out: failed.stdout ?? '' };
  }
}

async function newestCheckpoint(dir: string): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return Math.max(0, ...names.flatMap((name) => /^chk-(\d+)\.json$/.exec(name)?.[1] ?? []).map(Number));
}

describe('lockstep verify with a kafka sink', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-kafka-verify-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads back every record once and counts no committed or merely initialized transactional id as left over after kill -9 and a finished re-run', async () => {
    const run = randomUUID().slice(0, 8);
    const topic = `verify-out-${run}`;
    const admin = new Kafka({ brokers: [...brokers], clientId: 'lockstep-verify-test', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    const checkpoints = join(dir, 'checkpoints');
    const file = join(dir, 'pipeline.yaml');
    await writeFile(
      file,
      [
        `name: verify-${run}`,
        `checkpoint: { interval: 1s, storage: "${checkpoints}" }`,
        'parallelism: 2',
        'sources: [{ id: gen, type: generator, count: 4000 }]',
        'transforms: [{ id: pace, type: throttle, recordsPerSecond: 500 }]',
        // Small batches: records reach the broker during the interval, not only at the checkpoint.
        `sinks: [{ id: out, type: kafka, brokers: ${JSON.stringify(brokers)}, topic: ${topic}, batchSize: 10 }]`,
        '',
      ].join('\n'),
    );
    const first = startLockstep(['run', file], join(dir, 'first.log'));
    while ((await newestCheckpoint(checkpoints)) < 2) await new Promise((resolve) => setTimeout(resolve, 200));
    // Into the next checkpoint interval.
    await new Promise((resolve) => setTimeout(resolve, 500));
    first.child.kill('SIGKILL');
    await first.exited;

    const killed = await verify(file);
    expect(killed.out).toMatch(new RegExp(`sink out \\(kafka\\): topic ${topic} \\(read_committed\\)\\n  records: \\d+ committed\\n  duplicates by seq: none\\n  leftovers: `));

    const second = startLockstep(['run', file], join(dir, 'second.log'));
    expect(await second.exited).toBe(0);
    const finished = await verify(file);
    expect(finished.out).toContain('  records: 4000 committed\n  duplicates by seq: none\n  leftovers: none\ninput: 4000 records generated\n');
    expect(finished.out).toMatch(/OK: every record once, nothing left over\n$/);
    expect(finished.code).toBe(0);
  }, 240_000);
});
