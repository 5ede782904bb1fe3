import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from './main';

// The plugin package of examples/custom-connector, loaded as a third party's would be: by `plugins:` in a pipeline or
// by `--plugin`. It imports `lockstep/sdk`, which jest maps to core/sdk (jest.config.js); the package test
// (integration-tests/package) loads it from an installed tarball instead.
const EXAMPLE = join(__dirname, '..', 'examples', 'custom-connector');
const SALT = 'pepper-and-salt';

function pipeline(dir: string, options: { plugins?: string; mask: string }): string {
  return [
    'name: masked',
    ...(options.plugins === undefined ? [] : [`plugins: [${JSON.stringify(options.plugins)}]`]),
    'checkpoint: { interval: 1s }',
    'sources: [{ id: gen, type: generator, count: 20 }]',
    'transforms:',
    `  - { id: with-email, type: map, set: { email: "'user' + value.seq + '@example.com'" } }`,
    `  - { id: mask-email, type: mask, ${options.mask} }`,
    `sinks: [{ id: out, type: file, path: ${JSON.stringify(join(dir, 'out'))} }]`,
    '',
  ].join('\n');
}

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough() as unknown as NodeJS.WriteStream;
  const code = await runCli(argv, out, err);
  return { code, out: String(out.read() ?? ''), err: String((err as unknown as PassThrough).read() ?? '') };
}

async function outputValues(dir: string): Promise<Record<string, unknown>[]> {
  const files = (await readdir(join(dir, 'out'))).filter((name) => name.endsWith('.jsonl'));
  const texts = await Promise.all(files.map((name) => readFile(join(dir, 'out', name), 'utf8')));
  const values = texts.flatMap((text) => text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>));
  return values.sort((a, b) => (a.seq as number) - (b.seq as number));
}

describe('a connector in its own package (examples/custom-connector)', () => {
  let dir: string;
  const logLevel = process.env.LOCKSTEP_LOG_LEVEL;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-custom-connector-'));
    process.env.LOCKSTEP_LOG_LEVEL = 'silent';
  });
  afterEach(async () => {
    if (logLevel === undefined) delete process.env.LOCKSTEP_LOG_LEVEL;
    else process.env.LOCKSTEP_LOG_LEVEL = logLevel;
    await rm(dir, { recursive: true, force: true });
  });

  async function file(text: string): Promise<string> {
    const path = join(dir, 'pipeline.yaml');
    await writeFile(path, text);
    return path;
  }

  it('is loaded by plugins: in the pipeline, relative to the pipeline file, and runs', async () => {
    const fromPipeline = relative(dir, EXAMPLE); // ../../work/…/examples/custom-connector
    const path = await file(pipeline(dir, { plugins: fromPipeline, mask: `fields: [email], mode: hash, salt: ${SALT}` }));
    const validated = await cli(['validate', path]);
    expect(validated.err).toBe('');
    expect(validated.code).toBe(0);
    const ran = await cli(['run', path]);
    expect(ran.code).toBe(0);
    // The summary is for people: stderr. stdout belongs to the stdout sink.
    expect(ran.out).toBe('');
    expect(ran.err).toMatch(/^masked: finished at checkpoint 1 · 20 records read, 20 written/);
    const values = await outputValues(dir);
    expect(values.map((value) => value.seq)).toEqual([...Array(20).keys()]);
    for (const value of values) expect(value.email).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(values.map((value) => value.email)).size).toBe(20);
  });

  it('is loaded by --plugin on run and validate, with its schema defaults applied', async () => {
    const path = await file(pipeline(dir, { mask: 'fields: [email]' }));
    const withoutPlugin = await cli(['validate', path]);
    expect(withoutPlugin.code).toBe(2);
    expect(withoutPlugin.err).toContain(`${path}:6:23: /transforms/1/type: unknown transform type 'mask'`);
    expect((await cli(['validate', path, '--plugin', EXAMPLE])).code).toBe(0);
    const ran = await cli(['run', '--plugin', EXAMPLE, path]);
    expect(ran.err).toMatch(/^masked: finished/);
    expect(ran.code).toBe(0);
    const values = await outputValues(dir);
    expect(values).toHaveLength(20);
    for (const value of values) expect(value.email).toBe('***');
  });

  it('reports a config error inside the plugin schema with its field path, and never the secret salt', async () => {
    const path = await file(pipeline(dir, { plugins: EXAMPLE, mask: `fields: [], mode: hsah, salt: ${SALT}` }));
    const result = await cli(['validate', path]);
    expect(result.code).toBe(2);
    expect(result.err).toBe(
      `${path}:7:35: /transforms/1/fields: must have at least one entry\n${path}:7:47: /transforms/1/mode: must be one of: redact, hash\n`,
    );
    expect(result.err).not.toContain(SALT);
    expect((await cli(['run', path])).code).toBe(2);
  });

  it('names a plugin module that cannot be found, at its place in plugins:', async () => {
    const path = await file(pipeline(dir, { plugins: './no-such-connector', mask: 'fields: [email]' }));
    const result = await cli(['validate', path]);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`${path}:2:11: /plugins/0: cannot find plugin module './no-such-connector' from ${dir}`);
    const usage = await cli(['validate', path, '--plugin']);
    expect(usage).toMatchObject({ code: 2, err: expect.stringContaining('--plugin needs a value') });
  });
});
