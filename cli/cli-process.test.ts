import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/**
 * The CLI as a user meets it: a child process (the same `cli/main.ts` the bin runs, through tsx), its stdout, stderr
 * and exit code. A terminal is a pseudo-terminal made by util-linux `script`.
 */
const ROOT = join(__dirname, '..');
const run = promisify(execFile);
/** tsx as an absolute URL: the child runs in a temporary folder. */
const TSX = pathToFileURL(require.resolve('tsx')).href;

interface Ran {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function lockstep(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const childEnv = { ...process.env, LOCKSTEP_LOG_LEVEL: '', LOCKSTEP_LOG_FORMAT: '', ...env };
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', TSX, join(ROOT, 'cli', 'main.ts'), ...args], { cwd, env: childEnv });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, out: failed.stdout ?? '', err: failed.stderr ?? '' };
  }
}

const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

describe('the lockstep command as a process', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-cli-process-'));
    await writeFile(
      join(dir, 'print.yaml'),
      ['name: print', 'sources: [{ id: gen, type: generator, count: 50 }]', 'sinks: [{ id: out, type: stdout, format: json }]', ''].join('\n'),
    );
    await writeFile(
      join(dir, 'tty.yaml'),
      ['name: tty', 'sources: [{ id: gen, type: generator, count: 50 }]', 'sinks: [{ id: out, type: stdout, format: json }]', ''].join('\n'),
    );
    await writeFile(
      join(dir, 'bad.yaml'),
      ['name: bad', 'sources: [{ id: gen, type: generator, count: 5 }]', 'transforms:', '  - id: f', '    type: filter', "    where: value.status = 'paid'", 'sinks: [{ id: out, type: stdout }]', ''].join('\n'),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps stdout for the data: `run p.yaml | jq .` reads only records; summary and logs go to stderr', async () => {
    const ran = await lockstep(['run', 'print.yaml'], dir);
    expect(ran.code).toBe(0);
    const lines = ran.out.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(50);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(ran.err).toMatch(/^print: finished at checkpoint \d+ · 50 records read, 50 written/m);
    // Off a terminal the logs are JSON lines (info by default).
    expect(ran.err).toMatch(/^\{"level":30,.*"msg":"pipeline ended"\}$/m);
  });

  it('refuses what validate refuses, with exit 2 and one message without a stack; --verbose adds nothing for config errors', async () => {
    const validated = await lockstep(['validate', 'bad.yaml'], dir);
    const ran = await lockstep(['run', 'bad.yaml'], dir);
    expect(validated).toMatchObject({ code: 2, out: '' });
    expect(ran).toMatchObject({ code: 2, out: '' });
    expect(validated.err).toContain("bad.yaml:6:25: /transforms/0/where: transform 'f' option 'where': unexpected '='; use '==' to compare at column 14");
    // The same lines, naming the file as it was given.
    expect(ran.err).toBe(validated.err);
    for (const err of [validated.err, ran.err]) {
      expect(err).not.toMatch(STACK_LINE);
      expect(err.match(/unexpected '='/g)).toHaveLength(1);
    }
  });

  it('treats flags as a parser does: --help per command, --opt=value, missing and bad values are usage errors (exit 2)', async () => {
    const help = await lockstep(['run', '--help'], dir);
    expect(help).toMatchObject({ code: 0, err: '' });
    expect(help.out).toContain('Usage: lockstep run <file> [options]');
    expect((await lockstep(['validate', '--help'], dir)).out).toContain('Usage: lockstep validate <file> [options]');
    const missing = await lockstep(['run', 'print.yaml', '--from-savepoint'], dir);
    expect(missing).toMatchObject({ code: 2, out: '' });
    expect(missing.err).toContain('--from-savepoint needs a value');
    const nope = await lockstep(['run', 'print.yaml', '--from-savepoint=nope'], dir);
    expect(nope.code).toBe(2);
    expect(nope.err).toMatch(/savepoint/);
    expect(nope.err).not.toMatch(STACK_LINE);
    const format = await lockstep(['run', 'print.yaml', '--log-format', 'xml'], dir);
    expect(format.code).toBe(2);
    expect(format.err).toContain("--log-format must be one of pretty, json, not 'xml'");
  });

  it('writes pretty logs and a progress line on a terminal, and JSON when asked', async () => {
    const command = `${process.execPath} --import ${TSX} ${join(ROOT, 'cli', 'main.ts')} run tty.yaml --log-level info > /dev/null`;
    const tty = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: dir, encoding: 'utf8', env: { ...process.env, LOCKSTEP_LOG_LEVEL: '', LOCKSTEP_LOG_FORMAT: '' } });
    expect(tty.status).toBe(0);
    expect(tty.stdout).toMatch(/INFO.*pipeline ended/);
    expect(tty.stdout).not.toContain('{"level"');
    // The progress line is redrawn in place and ends with the totals; the summary follows on its own line.
    expect(tty.stdout).toContain('\r\x1b[K');
    expect(tty.stdout).toMatch(/50 read, 50 written[^\n]*\r?\n[^]*tty: finished/);
    const json = spawnSync('script', ['-qec', `${command} --log-format json`, '/dev/null'], { cwd: dir, encoding: 'utf8' });
    expect(json.stdout).toMatch(/\{"level":30,.*"msg":"pipeline ended"\}/);
  });

  const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => existsSync(path) && Number(spawnSync(path, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout) < 22);
  (oldNode === undefined ? it.skip : it)('refuses a Node older than 22 in one sentence (bin/lockstep.js)', () => {
    const result = spawnSync(oldNode as string, [join(ROOT, 'bin', 'lockstep.js'), '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^lockstep needs Node\.js 22 or newer; this is v\d+\.\d+\.\d+/);
    expect(result.stdout).toBe('');
  });
});
