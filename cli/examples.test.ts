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
  it.each([['quickstart.yaml'], ['kafka-to-kafka.yaml'], ['kafka-to-postgres.yaml'], ['postgres-cdc-to-kafka.yaml'], ['kinesis-to-postgres.yaml']])('%s is a valid exactly-once pipeline', async (name) => {
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

describe('postgres connection validation', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-postgres-validate-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function validateSink(sink: string): Promise<{ code: number; out: string; err: string }> {
    const file = join(dir, 'p.yaml');
    await writeFile(file, ['name: p', 'sources: [{ id: gen, type: generator, count: 10 }]', `sinks: [${sink}]`, ''].join('\n'));
    return validate(file);
  }

  it('accepts a url together with the separate fields that override its parts', async () => {
    const result = await validateSink('{ id: pg, type: postgres, url: "postgres://x:pw-x@localhost:5432/a", user: y, password: pw-y, database: b, port: 5433, table: t }');
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
  });

  it('refuses a url lockstep cannot use at validate time, with the field path and without the password', async () => {
    const result = await validateSink('{ id: pg, type: postgres, url: "postgres://x:hunter2-secret@localhost:5432/a?application_name=mine", table: t }');
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/\/sinks\/0\/url: cannot be created: url: the query parameter application_name is set by lockstep/);
    expect(result.err).not.toContain('hunter2-secret');
  });

  it('refuses an unreadable url of a source the same way', async () => {
    const file = join(dir, 'p.yaml');
    const source = '{ id: pg, type: postgres, url: "postgres://x:hunter2-secret@localhost:port/a", table: t }';
    await writeFile(file, ['name: p', `sources: [${source}]`, 'sinks: [{ id: out, type: stdout }]', ''].join('\n'));
    const result = await validate(file);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/\/sources\/0\/url: cannot be created: url: cannot be read as a postgres connection URL/);
    expect(result.err).not.toContain('hunter2-secret');
  });
});

describe('kinesis validation', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-kinesis-validate-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function validatePipeline(lines: readonly string[]): Promise<{ code: number; out: string; err: string }> {
    const file = join(dir, 'p.yaml');
    await writeFile(file, [...lines, ''].join('\n'));
    return validate(file);
  }

  const toKinesis = 'sinks: [{ id: out, type: kinesis, stream: orders, region: us-east-1 }]';

  it('refuses guarantee: exactly-once with the kinesis sink, saying why and what consumers can do', async () => {
    const result = await validatePipeline(['name: p', 'guarantee: exactly-once', 'sources: [{ id: gen, type: generator, count: 10 }]', toKinesis]);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/\/sinks\/0.*sink 'out' \(kinesis\) is at-least-once/);
    expect(result.err).toMatch(/Kinesis has no transactions.*each record whose value is an object carries a deterministic record id in its JSON field lockstepId/);
  });

  it('reports at-least-once with the record id note when no guarantee is asked for', async () => {
    const result = await validatePipeline(['name: p', 'sources: [{ id: gen, type: generator, count: 10 }]', toKinesis]);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/guarantee: at-least-once/);
    expect(result.out).toMatch(/record id in its JSON field lockstepId/);
  });

  it('refuses startFrom AT_TIMESTAMP without startTimestamp', async () => {
    const result = await validatePipeline([
      'name: p',
      'sources: [{ id: in, type: kinesis, stream: orders, region: us-east-1, startFrom: AT_TIMESTAMP }]',
      'sinks: [{ id: out, type: stdout }]',
    ]);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/startFrom AT_TIMESTAMP needs startTimestamp/);
  });
});
