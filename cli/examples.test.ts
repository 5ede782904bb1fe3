import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { builtinRegistry } from './builtin-registry';
import { validateCommand } from './validate-command';

const examples = join(__dirname, '..', 'examples');

async function validate(file: string): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const code = await validateCommand(file, builtinRegistry(), { out, err, env: {} });
  return { code, out: String(out.read() ?? ''), err: String(err.read() ?? '') };
}

describe('examples/', () => {
  it.each([['quickstart.yaml'], ['kafka-to-kafka.yaml'], ['kafka-to-postgres.yaml'], ['postgres-cdc-to-kafka.yaml']])('%s is a valid exactly-once pipeline', async (name) => {
    expect((await readdir(examples)).filter((file) => file.endsWith('.yaml'))).toContain(name);
    const result = await validate(join(examples, name));
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/guarantee: exactly-once/);
  });
});

describe('kafka sink validation', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-kafka-validate-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('fails when the checkpoint timeout reaches the transaction timeout, naming the sink', async () => {
    const file = join(dir, 'p.yaml');
    await writeFile(
      file,
      [
        'name: p',
        'checkpoint: { interval: 1s, timeout: 2m }',
        'sources: [{ id: gen, type: generator, count: 10 }]',
        'sinks: [{ id: out, type: kafka, brokers: ["localhost:9092"], topic: t, transactionTimeout: 1m }]',
        '',
      ].join('\n'),
    );
    const result = await validate(file);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/\/sinks\/0.*transactionTimeout 1m must be longer than checkpoint.timeout 2m/);
  });
});
