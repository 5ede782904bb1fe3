import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { testRegistry, testSchemas, testSinkPlugin, VALID_PIPELINE } from '../core/config/fixtures/test-plugins';
import { validateCommand } from './validate-command';

const SECRET = 'correct-horse-battery';
const registry = testRegistry(testSinkPlugin({ type: 'stdout', guarantee: 'at-least-once' }));
const schemas = testSchemas();

async function validate(file: string, env: Record<string, string> = { PG_PASSWORD: SECRET }) {
  const out = new PassThrough();
  const err = new PassThrough();
  const code = await validateCommand(file, registry, { out, err, env, schemas });
  return { code, out: String(out.read() ?? ''), err: String(err.read() ?? '') };
}

describe('lockstep validate', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-validate-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function pipelineFile(text: string, name = 'pipeline.yaml'): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  }

  it('prints valid and the guarantee report, exit 0', async () => {
    const file = await pipelineFile(VALID_PIPELINE);
    const result = await validate(file);
    expect(result.code).toBe(0);
    expect(result.err).toBe('');
    expect(result.out.split('\n').slice(0, 3)).toEqual([
      `valid: ${file} (pipeline orders-to-test)`,
      'guarantee: exactly-once (requested: exactly-once)',
      '  every source is replayable and every sink is exactly-once',
    ]);
    expect(result.out).toContain('  sink dlq (test): exactly-once by two-phase commit');
    expect(result.out).not.toContain(SECRET);
  });

  it('prints one line per problem, exit 2', async () => {
    const file = await pipelineFile(VALID_PIPELINE.replace('mode: upsert', 'mode: merge').replace('parallelism: 2', 'parallelism: 0'));
    const result = await validate(file);
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    // Each issue at its line and column; a block-style line is shown with a caret, a flow-style one is not.
    expect(result.err).toBe(`${file}:5:1: /parallelism: must be at least 1\n   5 | parallelism: 0\n       ^\n${file}:11:43: /sinks/0/mode: must be one of: insert, upsert\n`);
  });

  it('refuses a guarantee the components cannot keep, exit 2', async () => {
    const file = await pipelineFile(VALID_PIPELINE.replace('{ id: dlq, type: test', '{ id: dlq, type: stdout'));
    const result = await validate(file);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`${file}:12:5: /sinks/1: sink 'dlq' (stdout) is at-least-once`);
  });

  it('reports syntax errors with their line, and missing variables by name', async () => {
    const broken = await validate(await pipelineFile('name: p\nsources: [\n'));
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/pipeline\.yaml:3:1: /);
    const unset = await validate(await pipelineFile(VALID_PIPELINE, 'other.yaml'), {});
    expect(unset.code).toBe(2);
    expect(unset.err).toContain('/sinks/0/password: environment variable PG_PASSWORD is not set');
  });

  it('reports a missing file, exit 2', async () => {
    const result = await validate(join(dir, 'nope.yaml'));
    expect(result).toEqual({ code: 2, out: '', err: `${join(dir, 'nope.yaml')}: cannot read the file: no such file\n` });
  });

  it('reports a broken plugin schema as a failure of lockstep, exit 1', async () => {
    const broken = testRegistry();
    broken.register({ ...testSinkPlugin({ type: 'broken' }), configSchema: 'test/broken.schema.json' });
    const file = await pipelineFile(VALID_PIPELINE.replace('{ id: out, type: test', '{ id: out, type: broken'));
    const err = new PassThrough();
    const code = await validateCommand(file, broken, { out: new PassThrough(), err, env: { PG_PASSWORD: SECRET }, schemas });
    expect(code).toBe(1);
    expect(String(err.read())).toContain('test/broken.schema.json: broken schema: strict mode: unknown keyword: "minLenght"');
  });

  it('never prints a secret, even from a plugin that quotes it', async () => {
    const quoting = testRegistry();
    quoting.register(
      testSinkPlugin({ type: 'leaky', createError: (config) => new Error(`login failed for ${JSON.stringify(config)}`) }),
    );
    const file = await pipelineFile(VALID_PIPELINE.replace('{ id: out, type: test', '{ id: out, type: leaky'));
    const out = new PassThrough();
    const err = new PassThrough();
    const code = await validateCommand(file, quoting, { out, err, env: { PG_PASSWORD: SECRET }, schemas });
    const printed = String(err.read() ?? '');
    expect(code).toBe(2);
    expect(printed).toContain('cannot be created: login failed for');
    expect(printed).toContain('"password":"***"');
    expect(printed).not.toContain(SECRET);
  });
});
