import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/**
 * The README's quickstart walk-through, followed as a user would: start it, Ctrl-C it, start it again, kill -9 it,
 * start it again until it ends, then `lockstep verify examples/quickstart.yaml --key seq`: every order once, nothing
 * left over; then start over as `npm run quickstart:fresh` does (`lockstep reset`, output emptied, run) and verify
 * again. The example runs on a copy (its output and checkpoints go next to the copy), smaller and faster through its
 * QUICKSTART_RECORDS and QUICKSTART_RATE variables.
 */
const ROOT = join(__dirname, '..');
const TSX = pathToFileURL(require.resolve('tsx')).href;
const MAIN = join(ROOT, 'cli', 'main.ts');
const RECORDS = 20_000;
/** seq % 997 < 5 is dropped by the example's filter: 20 whole cycles of 997 (100) plus seq 19,940–19,999 (5). */
const WRITTEN = RECORDS - 105;
const ENV = { ...process.env, QUICKSTART_RECORDS: String(RECORDS), QUICKSTART_RATE: '2500', LOCKSTEP_LOG_LEVEL: '', LOCKSTEP_LOG_FORMAT: '' };

function start(file: string, cwd: string): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, 'run', file], { cwd, env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

/** Resolves once the store holds a checkpoint newer than `after` (the run made progress worth interrupting). */
async function checkpointAfter(dir: string, after: number): Promise<number> {
  for (;;) {
    const ids = (await readdir(dir).catch(() => [] as string[])).flatMap((name) => /^chk-(\d+)\.json$/.exec(name)?.[1] ?? []).map(Number);
    const newest = Math.max(0, ...ids);
    if (newest > after) return newest;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the README quickstart walk-through', () => {
  let dir: string;
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('survives Ctrl-C and kill -9, and verify then finds every order once and nothing left over', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-quickstart-'));
    await mkdir(join(dir, 'examples'));
    await copyFile(join(ROOT, 'examples', 'quickstart.yaml'), join(dir, 'examples', 'quickstart.yaml'));
    const pipeline = join('examples', 'quickstart.yaml');
    const checkpoints = join(dir, '.lockstep', 'quickstart', 'checkpoints');

    // npm start, then Ctrl-C: it stops with a savepoint.
    const first = start(pipeline, dir);
    const reached = await checkpointAfter(checkpoints, 1);
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.stderr()).toMatch(/quickstart: stopped at checkpoint \d+ · \d+ records read/);

    // npm start again, then kill -9: a crash mid-checkpoint interval.
    const second = start(pipeline, dir);
    await checkpointAfter(checkpoints, reached + 1);
    second.child.kill('SIGKILL');
    expect(await second.exited).toBeNull();

    // npm start again: it resumes and finishes.
    const third = start(pipeline, dir);
    expect(await third.exited).toBe(0);
    expect(third.stderr()).toMatch(/quickstart: finished at checkpoint \d+ · \d+ records read, \d+ written/);

    const { stdout } = await promisify(execFile)(process.execPath, ['--import', TSX, MAIN, 'verify', pipeline, '--key', 'seq'], { cwd: dir, env: ENV });
    expect(stdout).toContain(`  records: ${WRITTEN} committed\n  duplicates by seq: none\n  leftovers: none\n`);
    expect(stdout).toMatch(/OK: every record once, nothing left over\n$/);

    // A fourth start has nothing to read and says how to start over.
    const fourth = start(pipeline, dir);
    expect(await fourth.exited).toBe(0);
    expect(fourth.stderr()).toMatch(/· 0 records read, 0 written · 1 checkpoints .* — nothing new to read: an earlier run read the whole input; 'lockstep run examples\/quickstart\.yaml --fresh' \(or 'lockstep reset examples\/quickstart\.yaml'\) starts over/);

    // npm run quickstart:fresh: lockstep reset, the output emptied, a run from the start; every order once again.
    const reset = await promisify(execFile)(process.execPath, ['--import', TSX, MAIN, 'reset', pipeline], { cwd: dir, env: ENV });
    expect(reset.stdout).toMatch(/^reset: pipeline quickstart \(examples\/quickstart\.yaml\)\ncheckpoint store .*\n {2}deleted checkpoints? [\d, ]+; /);
    await rm(join(dir, '.lockstep', 'quickstart', 'out'), { recursive: true, force: true });
    const fresh = start(pipeline, dir);
    expect(await fresh.exited).toBe(0);
    expect(fresh.stderr()).toMatch(new RegExp(`quickstart: finished at checkpoint \\d+ · ${RECORDS} records read, ${WRITTEN} written`));
    const again = await promisify(execFile)(process.execPath, ['--import', TSX, MAIN, 'verify', pipeline, '--key', 'seq'], { cwd: dir, env: ENV });
    expect(again.stdout).toContain(`  records: ${WRITTEN} committed\n  duplicates by seq: none\n  leftovers: none\n`);
  });
});
