import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from './main';

/** How a failed run reads: one plain line (plus, in JSON logs, one JSON line with the code), a stack only with --verbose. */
describe('lockstep run: a pipeline that fails', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-run-failure-'));
    await writeFile(join(dir, 'boom.js'), "module.exports = () => { throw new Error('boom in the user function'); };\n");
    file = join(dir, 'p.yaml');
    await writeFile(
      file,
      [
        'name: fails',
        'restart: { maxAttempts: 0 }',
        'sources: [{ id: gen, type: generator, count: 3 }]',
        'transforms: [{ id: boom, type: module, module: ./boom.js }]',
        'sinks: [{ id: out, type: file, path: ./out }]',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function run(...flags: string[]): Promise<{ code: number; out: string; err: string }> {
    const out = new PassThrough();
    const err = new PassThrough();
    const code = await runCli(['run', file, '--reset', ...flags], out, err, {});
    return { code, out: String(out.read() ?? ''), err: String(err.read() ?? '') };
  }

  const STACK = /^\s+at .+\d+:\d+\)?$/m;

  it('prints the failure once, without a stack; JSON logs carry it once more with its code for collectors', async () => {
    const result = await run();
    expect(result.code).toBe(1);
    expect(result.out).toBe('');
    expect(result.err).not.toMatch(STACK);
    const plain = result.err.split('\n').filter((line) => line !== '' && !line.startsWith('{'));
    expect(plain).toHaveLength(1);
    expect(plain[0]).toMatch(/^pipeline fails FAILED: .*boom in the user function/);
    const logged = result.err.split('\n').filter((line) => line.includes('"msg":"pipeline failed"'));
    expect(logged).toHaveLength(1);
    const entry = JSON.parse(logged[0] as string) as { err: { message: string; cause?: { message: string } } };
    expect(entry).toMatchObject({ level: 50, err: { code: expect.stringMatching(/^LS_/) } });
    // its own message (the plain line), not the causes' messages appended again; the cause nested
    expect(entry.err.message).toBe(plain[0]);
    expect(entry.err.cause?.message).toMatch(/boom in the user function/);
    expect(logged[0]).not.toContain('"stack"');
  });

  it('adds the stack and causes with --verbose', async () => {
    const result = await run('--verbose', '--log-level', 'silent');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^LockstepError: pipeline fails FAILED: /m);
    expect(result.err).toMatch(STACK);
    expect(result.err).toMatch(/^caused by: .*boom in the user function/m);
  });

  it('prints nothing but the plain line with --log-level silent', async () => {
    const result = await run('--log-level=silent');
    expect(result.err).toMatch(/^pipeline fails FAILED: .*\n$/);
  });
});
