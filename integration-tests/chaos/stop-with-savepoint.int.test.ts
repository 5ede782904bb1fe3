import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { committedSeqs } from '../support/committed-part-files';
import { eventually } from '../support/eventually';
import { startLockstep } from '../support/lockstep-process';

/** SIGTERM takes a savepoint and exits 0; `--from-savepoint` resumes from it and the output has every seq once. */
const RECORDS = 60_000;


describe('stop with savepoint', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-savepoint-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('SIGTERM takes a savepoint, and a run from it finishes with every record exactly once', async () => {
    const out = join(dir, 'out');
    const storage = join(dir, 'checkpoints');
    const file = join(dir, 'pipeline.yaml');
    await writeFile(
      file,
      [
        'name: savepoint-test',
        `checkpoint: { interval: 10s, storage: "${storage}" }`,
        'sources:',
        `  - { id: gen, type: generator, count: ${RECORDS}, ratePerSecond: 10000 }`,
        'sinks:',
        `  - { id: out, type: file, path: "${out}" }`,
        '',
      ].join('\n'),
    );
    const log = join(dir, 'runs.log');
    const first = startLockstep(['run', file, '--savepoint-name', 'before-upgrade'], log);
    // SIGTERM once the pipeline runs (its signal handlers are in place before it logs its start), plus a second of
    // data: a fixed delay from spawn raced the CLI's start-up on a loaded machine.
    const started = /starting (fresh|from checkpoint)/;
    const text = await eventually(() => readFile(log, 'utf8').catch(() => ''), (t) => started.test(t), 60_000);
    expect(text).toMatch(started);
    await sleep(1000);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    await access(join(storage, 'savepoints', 'before-upgrade.json'));
    const atStop = await committedSeqs(out);
    // Stopped mid-stream, with everything read so far committed: no checkpoint ran before the savepoint.
    expect(atStop.length).toBeGreaterThan(0);
    expect(atStop.length).toBeLessThan(RECORDS);
    expect(new Set(atStop).size).toBe(atStop.length);

    const second = startLockstep(['run', file, '--from-savepoint', 'before-upgrade'], log);
    expect(await second.exited).toBe(0);
    const all = await committedSeqs(out);
    expect(all).toHaveLength(RECORDS);
    expect(new Set(all).size).toBe(RECORDS);
  }, 120_000);
});
