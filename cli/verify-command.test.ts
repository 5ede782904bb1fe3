import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { runPipeline } from './api';
import { runCli } from './main';

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const code = await runCli(argv, out, err, {});
  return { code, out: String(out.read() ?? ''), err: String(err.read() ?? '') };
}

describe('lockstep verify (file sink)', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-verify-'));
    file = join(dir, 'p.yaml');
    await writeFile(
      file,
      ['name: p', 'parallelism: 2', 'sources: [{ id: gen, type: generator, count: 300 }]', 'sinks: [{ id: out, type: file, path: ./out }]', ''].join('\n'),
    );
    await runPipeline(file, { log: pino({ level: 'silent' }) });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reports the count, no duplicates and no leftovers after a finished run, exit 0', async () => {
    const result = await cli(['verify', file, '--key', 'seq']);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toBe(
      [
        `verify: pipeline p (${file})`,
        `sink out (file): ${join(dir, 'out')} (part-*.jsonl)`,
        '  records: 300 committed',
        '  duplicates by seq: none',
        '  leftovers: none',
        'input: 300 records generated',
        'OK: every record once, nothing left over',
        '',
      ].join('\n'),
    );
    // Without --key the file sink (which stores no source position) judges by the whole value.
    expect((await cli(['verify', file])).out).toContain('duplicates by the whole value: none');
  });

  it('finds duplicates by key, naming where both copies are, and a count above the input, exit 1', async () => {
    const [part] = (await readdir(join(dir, 'out'))).filter((name) => name.endsWith('.jsonl')).sort();
    await copyFile(join(dir, 'out', part as string), join(dir, 'out', 'part-7-000000000099.jsonl'));
    const result = await cli(['verify', file, '--key=seq']);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/duplicates by seq: [1-9]\d*\n {4}\d+ at part-\d-\d{12}\.jsonl:1 and part-7-000000000099\.jsonl:1\n/);
    expect(result.out).toMatch(/NOT OK: sink out: \d+ duplicates by seq; sink out holds \d+ records, the input has 300\n$/);
  });

  it('reports what the sink holds uncommitted as leftovers, exit 1', async () => {
    await mkdir(join(dir, 'out', '.pending'), { recursive: true });
    await writeFile(join(dir, 'out', '.pending', 'part-0-000000000009-abcdef.inprogress'), '{"seq":1}\n');
    const result = await cli(['verify', file]);
    expect(result.code).toBe(1);
    expect(result.out).toContain(`  leftovers: 1 pre-committed or open files in ${join(dir, 'out', '.pending')}`);
    expect(result.out).toContain('NOT OK: sink out: left over: 1 pre-committed or open files');
  });

  it('says which sinks cannot be read back, and refuses an unknown --sink (exit 2)', async () => {
    const print = join(dir, 'print.yaml');
    await writeFile(print, ['name: print', 'sources: [{ id: gen, type: generator, count: 3 }]', 'sinks: [{ id: show, type: stdout }]', ''].join('\n'));
    const result = await cli(['verify', print]);
    expect(result.code).toBe(0);
    expect(result.out).toContain('  records: not read back (the stdout sink cannot list what it committed)');
    const unknown = await cli(['verify', file, '--sink', 'nope']);
    expect(unknown).toMatchObject({ code: 2, out: '' });
    expect(unknown.err).toContain("no sink 'nope'");
  });
});
