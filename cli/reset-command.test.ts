import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/**
 * Starting over deliberately, as a user does it: `lockstep reset <file>` and `lockstep run --fresh <file>` as child
 * processes (cli/main.ts through tsx, as the bin runs it) on a file-sink pipeline: what they print, the files they
 * leave, their exit codes, and their refusal while a run owns the pipeline.
 */
const ROOT = join(__dirname, '..');
const TSX = pathToFileURL(require.resolve('tsx')).href;
const MAIN = join(ROOT, 'cli', 'main.ts');
const ENV = { ...process.env, LOCKSTEP_LOG_LEVEL: '', LOCKSTEP_LOG_FORMAT: '' };

interface Ran {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function lockstep(args: readonly string[], cwd: string): Promise<Ran> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', TSX, MAIN, ...args], { cwd, env: ENV });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, out: failed.stdout ?? '', err: failed.stderr ?? '' };
  }
}

async function checkpointIds(dir: string): Promise<number[]> {
  return (await readdir(dir).catch(() => [] as string[])).flatMap((name) => /^chk-(\d+)\.json$/.exec(name)?.[1] ?? []).map(Number).sort((a, b) => a - b);
}

async function partFiles(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith('.jsonl')).sort();
}

const RECORDS = 400;

describe('lockstep reset and run --fresh (child processes)', () => {
  let dir: string;
  let checkpoints: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-reset-'));
    checkpoints = join(dir, 'state', 'checkpoints');
    const pipeline = (name: string, count: number, rate: number): string =>
      [
        `name: ${name}`,
        `checkpoint: { interval: 200ms, storage: ./state/checkpoints, retain: 3 }`,
        `sources: [{ id: gen, type: generator, count: ${count} }]`,
        `transforms: [{ id: pace, type: throttle, recordsPerSecond: ${rate} }]`,
        'sinks: [{ id: out, type: file, path: ./state/out }]',
        '',
      ].join('\n');
    await writeFile(join(dir, 'p.yaml'), pipeline('p', RECORDS, 100_000));
    // The same pipeline (same checkpoint store), long and slow enough to be caught running with checkpoints.
    await writeFile(join(dir, 'slow.yaml'), pipeline('p', 1_000_000, 1_000));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('resets a stopped pipeline: names the checkpoints it deleted and the savepoints it kept, keeps the output; the next run reads everything again', async () => {
    expect((await lockstep(['run', 'p.yaml'], dir)).code).toBe(0);
    await mkdir(join(checkpoints, 'savepoints'), { recursive: true });
    await writeFile(join(checkpoints, 'savepoints', 'before-upgrade.json'), '{}');
    const ids = await checkpointIds(checkpoints);
    expect(ids.length).toBeGreaterThan(0);
    const parts = await partFiles(join(dir, 'state', 'out'));

    const reset = await lockstep(['reset', 'p.yaml'], dir);
    expect(reset.err).toBe('');
    expect(reset.code).toBe(0);
    // after the newest, or one later: a save reserves the next checkpoint's id in its counter write
    const next = Number(/the next run's checkpoints start at (\d+)/.exec(reset.out)?.[1]);
    expect([Math.max(...ids) + 1, Math.max(...ids) + 2]).toContain(next);
    expect(reset.out.split('\n')).toEqual([
      'reset: pipeline p (p.yaml)',
      `checkpoint store ${checkpoints}:`,
      `  deleted checkpoint${ids.length === 1 ? '' : 's'} ${ids.join(', ')}; the next run's checkpoints start at ${next}`,
      '  kept savepoints: before-upgrade (lockstep run --from-savepoint <name> starts from one; delete the files to drop them)',
      'sink out (file):',
      `  removed 0 pre-committed or open files from ${join(dir, 'state', 'out', '.pending')}`,
      expect.stringMatching(/^ {2}kept \d+ committed part files \(checkpoints? [\d–]+\) in .*: they are output; /),
      'The sinks keep what they committed: the next run reads the input from its start and writes it again next to it',
      '(verify then counts those records twice); empty the sinks yourself for a clean slate.',
      '',
    ]);
    expect(await checkpointIds(checkpoints)).toEqual([]);
    expect(await partFiles(join(dir, 'state', 'out'))).toEqual(parts);
    expect(await readdir(join(checkpoints, 'savepoints'))).toEqual(['before-upgrade.json']);

    const again = await lockstep(['run', 'p.yaml'], dir);
    expect(again.code).toBe(0);
    expect(again.err).toMatch(new RegExp(`p: finished at checkpoint \\d+ · ${RECORDS} records read, ${RECORDS} written`));
    expect(Math.min(...(await checkpointIds(checkpoints)))).toBeGreaterThanOrEqual(next);
    // The output holds the input twice now: verify says so.
    const verify = await lockstep(['verify', 'p.yaml', '--key', 'seq'], dir);
    expect(verify.code).toBe(1);
    expect(verify.out).toContain(`duplicates by seq: ${RECORDS}\n`);
  });

  it('refuses reset and run --fresh while a run owns the pipeline (exit 1, nothing removed); both work once it stopped', async () => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, 'run', 'slow.yaml'], { cwd: dir, env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      while ((await checkpointIds(checkpoints)).length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const before = await checkpointIds(checkpoints);

      const reset = await lockstep(['reset', 'p.yaml'], dir);
      expect(reset.code).toBe(1);
      expect(reset.out).toBe('');
      expect(reset.err).toMatch(new RegExp(`^reset of p refused, nothing removed: checkpoint store ${checkpoints} is owned by .*pid ${child.pid}.*this pipeline is already running\\. Stop it first`));
      const fresh = await lockstep(['run', '--fresh', 'p.yaml'], dir);
      expect(fresh.code).toBe(1);
      expect(fresh.err).toMatch(/is owned by .*this pipeline is already running/);
      // Nothing was deleted: the running pipeline's newest checkpoint then is there, or a newer one.
      expect(Math.max(0, ...(await checkpointIds(checkpoints)))).toBeGreaterThanOrEqual(Math.max(...before));
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect((await lockstep(['reset', 'p.yaml'], dir)).code).toBe(0);
  });

  it('run --fresh starts over and says so; a finished pipeline run again hints at it', async () => {
    expect((await lockstep(['run', 'p.yaml'], dir)).code).toBe(0);
    const nothing = await lockstep(['run', 'p.yaml'], dir);
    expect(nothing.err).toContain(" — nothing new to read: an earlier run read the whole input; 'lockstep run p.yaml --fresh' (or 'lockstep reset p.yaml') starts over");
    const fresh = await lockstep(['run', 'p.yaml', '--fresh'], dir);
    expect(fresh.code).toBe(0);
    expect(fresh.err).toMatch(/RESET: deleted \d+ checkpoints of this pipeline; starting afresh/);
    expect(fresh.err).toMatch(new RegExp(`p: finished at checkpoint \\d+ · ${RECORDS} records read, ${RECORDS} written`));
  });

  it('usage errors exit 2: reset without a file, --fresh with --from-savepoint', async () => {
    const missing = await lockstep(['reset'], dir);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('missing the argument <file>');
    const both = await lockstep(['run', 'p.yaml', '--fresh', '--from-savepoint', 'x'], dir);
    expect(both.code).toBe(2);
    expect(both.err).toContain('--from-savepoint and --fresh exclude each other');
    const help = await lockstep(['reset', '--help'], dir);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: lockstep reset <file>');
  });
});
