import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../support/eventually';
import { startLockstep, type LockstepProcess } from '../support/lockstep-process';

/**
 * Issue 11, reproduction 5, with the real `lockstep run` process: a pipeline that fails for good while its sink
 * writers are still starting exits non-zero with the cause on stderr (it stayed up for good), and SIGTERM during a
 * restart backoff exits non-zero saying no savepoint was taken (it exited 0 with `stopped at checkpoint -`). The sink
 * is the `stalling` test plugin (integration-tests/support/stalling-sink-plugin.ts): its writers' init never ends and
 * its close waits for init, as a client still retrying its connection does. The exit times are printed; the bound
 * asserted is generous (a loaded CI machine), the target is 5 s.
 */
const PLUGIN = join(__dirname, '..', 'support', 'stalling-sink-plugin.ts');

describe('failures exit', () => {
  let dir: string;
  let log: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-failure-exit-'));
    log = join(dir, 'run.log');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function start(lines: string[]): Promise<LockstepProcess> {
    const file = join(dir, 'pipeline.yaml');
    await writeFile(file, [...lines, ''].join('\n'));
    return startLockstep(['run', file, '--plugin', PLUGIN], log);
  }

  const output = (): Promise<string> => readFile(log, 'utf8').catch(() => '');

  /** Resolves when the log shows `text`, with the time it was first seen. */
  async function seen(text: string): Promise<number> {
    const found = await eventually(output, (current) => current.includes(text), 60_000);
    expect(found).toContain(text);
    return Date.now();
  }

  it('a source failing at start while the sink writers are still starting: exit 1 within seconds, cause on stderr', async () => {
    const run = await start([
      'name: fails-at-start',
      `checkpoint: { interval: 500ms, storage: "${join(dir, 'checkpoints')}" }`,
      `sources: [{ id: in, type: file, path: "${join(dir, 'does-not-exist')}" }]`,
      'sinks: [{ id: out, type: stalling, startMs: -1, parallelism: 2 }]',
    ]);
    const startedAt = await seen('starting fresh');
    const code = await run.exited;
    const ms = Date.now() - startedAt;
    console.log(`failing at start with writers stuck in init: exit ${code} ${ms} ms after the execution started`);
    expect(code).toBe(1);
    const text = await output();
    expect(text).toMatch(/pipeline fails-at-start FAILED: cannot read input .*does-not-exist/);
    expect(text).toContain('writer still starting at teardown');
    expect(text).not.toContain('checkpoint triggered');
    expect(ms).toBeLessThan(20_000);
  }, 90_000);

  it('SIGTERM during a restart backoff: exit 1, stopped without a savepoint and why', async () => {
    const run = await start([
      'name: backing-off',
      `checkpoint: { interval: 200ms, storage: "${join(dir, 'checkpoints')}" }`,
      'restart: { initialBackoff: 1m, maxBackoff: 1m }',
      'sources: [{ id: gen, type: generator, count: 1000, ratePerSecond: 100 }]',
      'sinks: [{ id: out, type: stalling, failWrites: true }]',
    ]);
    await seen('restarting from the last completed checkpoint');
    const signalledAt = Date.now();
    run.child.kill('SIGTERM');
    const code = await run.exited;
    console.log(`SIGTERM during a restart backoff: exit ${code} ${Date.now() - signalledAt} ms after the signal`);
    expect(code).toBe(1);
    const text = await output();
    expect(text).toMatch(/backing-off: stopped WITHOUT a savepoint: stop requested while restarting after a failure \(stalling sink: connection refused\)/);
    expect(text).not.toContain('stopped at checkpoint');
    expect(Date.now() - signalledAt).toBeLessThan(20_000);
  }, 90_000);
});
