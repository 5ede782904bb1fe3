import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { runPipeline } from './api';
import { builtinRegistry } from './builtin-registry';
import { runCli } from './main';
import { validateCommand } from './validate-command';

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const code = await runCli(argv, out, err, {});
  return { code, out: String(out.read() ?? ''), err: String(err.read() ?? '') };
}

describe('lockstep connectors', () => {
  it('lists every source, transform and sink type with its first sentence', async () => {
    const result = await cli(['connectors']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^sources:\n {2}file {11}Reads JSON-lines files/);
    for (const type of ['generator', 'kafka', 'postgres-cdc', 'filter', 'throttle', 'elasticsearch', 'stdout']) expect(result.out).toMatch(new RegExp(`^  ${type} +\\S`, 'm'));
  });

  it("shows a type's options from its schema: type, required, default, secret", async () => {
    const file = await cli(['connectors', 'file']);
    expect(file.out).toContain('sink file: Writes one line per record');
    expect(file.out).toContain('  path (string; required)');
    expect(file.out).toContain('  format (one of: auto, json, raw; default "auto")');
    const json = JSON.parse((await cli(['connectors', 'postgres', '--json'])).out) as { kind: string; options: { name: string; secret?: boolean }[] }[];
    expect(json.map((entry) => entry.kind).sort()).toEqual(['sink', 'source']);
    expect(json[0]?.options.find((option) => option.name === 'password')?.secret).toBe(true);
  });

  it('refuses an unknown type with the known ones, exit 2', async () => {
    const result = await cli(['connectors', 'kafak']);
    expect(result.code).toBe(2);
    expect(result.err).toContain("no connector or transform type 'kafak'; types: ");
  });
});

describe('lockstep init', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-init-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const sources = ['generator', 'file', 'kafka', 'kinesis', 'postgres', 'postgres-cdc'];
  const sinks = ['file', 'stdout', 'kafka', 'postgres', 'elasticsearch', 'kinesis'];
  it.each(sources.flatMap((source) => sinks.map((sink) => [source, sink])))('prints a %s → %s pipeline that validates as printed', async (source, sink) => {
    const printed = await cli(['init', '--source', source as string, `--sink=${sink as string}`, '--name', 'starter']);
    expect(printed).toMatchObject({ code: 0, err: '' });
    expect(printed.out).toContain(`    type: ${source as string}\n`);
    const file = join(dir, `${source as string}-${sink as string}.yaml`);
    await writeFile(file, printed.out);
    const out = new PassThrough();
    const err = new PassThrough();
    const code = await validateCommand(file, builtinRegistry(), { out, err, env: {} });
    expect(String(err.read() ?? '')).toBe('');
    expect(code).toBe(0);
  });

  it('names an unknown type with did-you-mean, exit 2', async () => {
    const result = await cli(['init', '--source', 'kafak']);
    expect(result.code).toBe(2);
    expect(result.err).toContain("unknown source type 'kafak'");
  });
});

describe('lockstep inspect', () => {
  let dir: string;
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("shows the store's owner and each checkpoint: id, kind, time, size, positions, commits", async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-inspect-'));
    const file = join(dir, 'p.yaml');
    await writeFile(file, ['name: p', 'sources: [{ id: gen, type: generator, count: 10 }]', 'sinks: [{ id: out, type: file, path: ./out }]', ''].join('\n'));
    expect((await cli(['inspect', file])).out).toContain('checkpoints: none (a run starts fresh)');
    await runPipeline(file, { log: pino({ level: 'silent' }) });
    const result = await cli(['inspect', file]);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(new RegExp(`^pipeline p: checkpoint store ${join(dir, '.lockstep', 'checkpoints', 'p')}\nowner: epoch 1, pid \\d+ on \\S+ since \\S+ \\(released\\)\n`));
    expect(result.out).toMatch(/^checkpoint 1 \(final, input finished\) completed \S+Z in \d+ ms, \d+ bytes: \S+chk-000000000001\.json$/m);
    expect(result.out).toContain('  source gen[0]: no splits (done or unassigned)');
    expect(result.out).toMatch(/ {2}sink out: 1 commit\(s\) to make from this checkpoint .*part-0-000000000001\.jsonl/);
    const json = JSON.parse((await cli(['inspect', file, '--json'])).out) as { checkpoints: { record: { checkpointId: number } }[] };
    expect(json.checkpoints.map((entry) => entry.record.checkpointId)).toEqual([1]);
  });
});
