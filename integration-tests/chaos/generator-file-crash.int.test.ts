import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '../../core/testing/seeded-random';
import { committedSeqs } from '../support/committed-part-files';
import { describeCrashTrial, expectKillsLanded, runCrashTrial } from '../support/crash-trial';

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
    `  - { id: gen, type: generator, count: ${RECORDS}, ratePerSecond: 25000 }`,
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
    const trial = await runCrashTrial({
      pipelineFile: file,
      logFile: join(dir, 'runs.log'),
      random,
      randomKills: KILLS,
      killAfterMs: [600, 2_600],
    });
    process.stdout.write(`generator → file crash trial, seed ${seed}: ${describeCrashTrial(trial)}\n`);
    expectKillsLanded(trial, KILLS);
    const seqs = await committedSeqs(out);
    const seen = new Set(seqs);
    expect(seqs.length).toBe(RECORDS);
    expect(seen.size).toBe(RECORDS);
    for (let seq = 0; seq < RECORDS; seq += 1) if (!seen.has(seq)) throw new Error(`seq ${seq} missing`);
  }, 600_000);
});
