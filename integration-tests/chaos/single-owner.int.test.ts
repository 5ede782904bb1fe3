import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { committedSeqs } from '../support/committed-part-files';
import { eventually } from '../support/eventually';
import { startLockstep, type LockstepProcess } from '../support/lockstep-process';

/**
 * One owner per pipeline, with real processes: a second `lockstep run` of a running generator → file pipeline is
 * refused at once naming the owner, also while the owner is paused (SIGSTOP: a paused process is alive, so its
 * checkpoint store is not taken over on this host); once the owner is SIGKILLed, the next run takes the store over and
 * finishes with every record exactly once.
 */
const RECORDS = 40_000;

function pipelineYaml(out: string, storage: string): string {
  return [
    'name: single-owner',
    'guarantee: exactly-once',
    `checkpoint: { interval: 200ms, timeout: 30s, storage: "${storage}" }`,
    'parallelism: 2',
    'sources:',
    `  - { id: gen, type: generator, count: ${RECORDS}, ratePerSecond: 1500 }`,
    'sinks:',
    `  - { id: out, type: file, path: "${out}" }`,
    '',
  ].join('\n');
}

describe('one owner per pipeline', () => {
  let dir: string;
  const started: LockstepProcess[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-owner-'));
  });
  afterEach(async () => {
    for (const run of started) {
      run.child.kill('SIGCONT');
      run.child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  });

  function start(name: string): LockstepProcess {
    const run = startLockstep(['run', join(dir, 'pipeline.yaml')], join(dir, `${name}.log`));
    started.push(run);
    return run;
  }

  /** Starts a copy that must be refused: non-zero within seconds, naming the owner. */
  async function expectRefused(name: string, ownerPid: number): Promise<void> {
    const startedAt = Date.now();
    const exit = await start(name).exited;
    const elapsed = Date.now() - startedAt;
    const log = await readFile(join(dir, `${name}.log`), 'utf8');
    expect(exit).toBe(1);
    expect(elapsed).toBeLessThan(20_000);
    expect(log).toContain(`owned by pid ${ownerPid} on ${hostname()} since`);
    expect(log).toContain('this pipeline is already running');
    process.stdout.write(`second copy (${name}) refused after ${elapsed} ms\n`);
  }

  it('refuses a second copy, also while the owner is paused; takes over from a killed owner', async () => {
    const out = join(dir, 'out');
    await writeFile(join(dir, 'pipeline.yaml'), pipelineYaml(out, join(dir, 'checkpoints')));
    const owner = start('owner');
    const ownerPid = owner.child.pid as number;
    const ownerLog = (): Promise<string> => readFile(join(dir, 'owner.log'), 'utf8').catch(() => '');
    expect(await eventually(ownerLog, (text) => text.includes('starting fresh'), 60_000)).toContain('starting fresh');
    await expectRefused('second', ownerPid);

    owner.child.kill('SIGSTOP');
    await sleep(500);
    await expectRefused('while-paused', ownerPid);
    owner.child.kill('SIGCONT');
    await sleep(1_000);

    // Still running (not finished by itself): the successor really takes over from a killed owner.
    expect(owner.child.exitCode).toBeNull();
    owner.child.kill('SIGKILL');
    expect(await owner.exited).toBe('SIGKILL');
    const successor = start('successor');
    expect(await successor.exited).toBe(0);
    expect(await readFile(join(dir, 'successor.log'), 'utf8')).toContain('starting from checkpoint');
    const seqs = await committedSeqs(out);
    expect(seqs).toHaveLength(RECORDS);
    expect(new Set(seqs).size).toBe(RECORDS);
  }, 300_000);
});
