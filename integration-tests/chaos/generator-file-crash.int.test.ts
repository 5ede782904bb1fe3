import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SeededRandom } from '../../core/testing/seeded-random';
import { committedSeqs } from '../support/committed-part-files';
import { startLockstep } from '../support/lockstep-process';

/**
 * Crash test with real processes: `lockstep run` on a bounded generator → exactly-once file pipeline, SIGKILLed at
 * random moments (and at fail points right after a checkpoint became durable and in the middle of its commit),
 * re-run until it finishes; then every `seq` must be in the committed files exactly once.
 */
const RECORDS = 200_000;
const KILLS = 5;
const SEEDS = (process.env.LOCKSTEP_CRASH_SEEDS ?? '11,23,47').split(',').map(Number);

function pipelineYaml(out: string, storage: string): string {
  return [
    'name: crash-generator-file',
    'guarantee: exactly-once',
    `checkpoint: { interval: 200ms, timeout: 30s, storage: "${storage}" }`,
    'parallelism: 2',
    'sources:',
    // Rate-limited so that every run makes progress for a few seconds and the kills land mid-stream.
    `  - { id: gen, type: generator, count: ${RECORDS}, ratePerSecond: 50000 }`,
    'sinks:',
    `  - { id: out, type: file, path: "${out}" }`,
    '',
  ].join('\n');
}


describe('generator → file under kill -9', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-crash-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it.each(SEEDS)('seed %i: every seq exactly once after ≥5 kills', async (seed) => {
    const random = new SeededRandom(seed);
    const out = join(dir, 'out');
    const file = join(dir, 'pipeline.yaml');
    await writeFile(file, pipelineYaml(out, join(dir, 'checkpoints')));
    const log = join(dir, 'runs.log');
    // Kill moments: some at random times, one right after a checkpoint was saved (before its commit), one in the
    // middle of a commit.
    const plans: Array<{ crashPoints?: string; afterMs?: number }> = [];
    for (let kill = 0; kill < KILLS; kill += 1) plans.push({ afterMs: 600 + random.int(0, 2000) });
    plans.splice(1, 0, { crashPoints: `after-checkpoint-saved@${random.int(2, 4)}` });
    plans.splice(3, 0, { crashPoints: `during-commit@${random.int(2, 4)}` });
    let kills = 0;
    let finished = false;
    for (const plan of plans) {
      const run = startLockstep(['run', file], log, plan.crashPoints ? { LOCKSTEP_CRASH_POINTS: plan.crashPoints } : {});
      const ended = await Promise.race([run.exited, sleep(plan.afterMs ?? 60_000, undefined, { ref: false })]);
      if (ended === undefined) run.child.kill('SIGKILL');
      const result = await run.exited;
      if (result === 'SIGKILL') kills += 1;
      else if (result === 0) {
        finished = true;
        break;
      } else throw new Error(`lockstep run exited with ${String(result)}; see ${log}`);
    }
    for (let attempt = 0; !finished && attempt < 5; attempt += 1) {
      finished = (await startLockstep(['run', file], log).exited) === 0;
    }
    expect(finished).toBe(true);
    expect(kills).toBeGreaterThanOrEqual(KILLS);
    const seqs = await committedSeqs(out);
    const seen = new Set(seqs);
    expect(seqs.length).toBe(RECORDS);
    expect(seen.size).toBe(RECORDS);
    for (let seq = 0; seq < RECORDS; seq += 1) if (!seen.has(seq)) throw new Error(`seq ${seq} missing`);
  }, 600_000);
});
