import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { testRegistry, testSchemas, VALID_PIPELINE, VALID_PIPELINE_FILE } from './fixtures/test-plugins';
import type { Environment } from './interpolation';
import type { PipelineConfig } from './pipeline-config';
import { loadPipelineFile, loadPipelineText } from './pipeline-loader';

const ENV = { PG_PASSWORD: 'correct-horse-battery' };
const schemas = testSchemas();
const registry = testRegistry();

function load(text: string, env: Environment = ENV, file = VALID_PIPELINE_FILE): PipelineConfig {
  return loadPipelineText(text, { file, registry, schemas, env });
}

function failure(text: string, env: Environment = ENV, file = 'pipeline.yaml'): ConfigError {
  try {
    load(text, env, file);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** `path: message` of each issue. */
function issues(text: string, env: Environment = ENV): string[] {
  return failure(text, env).issues.map((issue) => `${issue.path}: ${issue.message}`);
}

const MINIMAL = `
name: p
sources: [{ id: in, type: test, topic: t }]
sinks: [{ id: out, type: test, table: t }]
`;

/** MINIMAL with extra top-level YAML appended. */
function minimalWith(extra: string): string {
  return `${MINIMAL}${extra}\n`;
}

describe('loading a pipeline', () => {
  it('applies the defaults of the pipeline and of each plugin schema', () => {
    const config = load(MINIMAL);
    expect(config).toEqual({
      name: 'p',
      checkpoint: { intervalMs: 10_000, timeoutMs: 120_000, storage: '/srv/pipelines/.lockstep/checkpoints/p', retain: 3 },
      parallelism: 1,
      sources: [{ id: 'in', type: 'test', parallelism: 1, topic: 't', startFrom: 'earliest', pollInterval: 100 }],
      transforms: [],
      sinks: [{ id: 'out', type: 'test', parallelism: 1, table: 't', mode: 'insert', batchSize: 100 }],
      errors: { policy: 'fail' },
      restart: { maxAttempts: 10, initialBackoffMs: 1_000, maxBackoffMs: 60_000, jitter: 0.2, startupDeadlineMs: 30_000 },
      file: VALID_PIPELINE_FILE,
      baseDir: '/srv/pipelines',
      secretPaths: [],
    });
  });

  it('loads the full example: durations in ms, interpolation, parallelism per component, dead-letter sink', () => {
    const config = load(VALID_PIPELINE);
    expect(config.guarantee).toBe('exactly-once');
    expect(config.checkpoint).toMatchObject({ intervalMs: 1_000, timeoutMs: 60_000 });
    expect(config.sources[0]).toMatchObject({ id: 'orders', parallelism: 2, startFrom: 'latest' });
    expect(config.transforms).toEqual([{ id: 'parse', type: 'test', field: 'body', timeout: 5_000 }]);
    expect(config.sinks[0]).toMatchObject({ id: 'out', mode: 'upsert', key: ['id'], password: 'correct-horse-battery' });
    expect(config.errors).toEqual({ policy: 'dead-letter', sink: 'dlq' });
    expect(config.secretPaths).toEqual(['/sinks/0/password']);
  });

  it('loads JSON files too', () => {
    const json = JSON.stringify({ name: 'p', sources: [{ id: 'in', type: 'test', topic: 't' }], sinks: [{ id: 'o', type: 'test', table: 't' }] });
    expect(load(json, ENV, '/srv/p.json').name).toBe('p');
  });

  it('resolves an explicit checkpoint folder against the pipeline file, and keeps absolute ones', () => {
    expect(load(minimalWith('checkpoint: { storage: ../state }')).checkpoint.storage).toBe('/srv/state');
    expect(load(minimalWith('checkpoint: { storage: /var/lib/lockstep }')).checkpoint.storage).toBe('/var/lib/lockstep');
  });

  it.each([
    ['off', 0],
    ['0', 0],
    ['0s', 0],
    ['250ms', 250],
    ['1500', 1_500],
  ])('reads checkpoint.interval %p as %p ms', (interval, ms) => {
    expect(load(minimalWith(`checkpoint: { interval: ${interval} }`)).checkpoint.intervalMs).toBe(ms);
  });

  it('reads a whole-value ${VAR} as the number or boolean the schema wants', () => {
    const config = load(
      `${MINIMAL.replace('topic: t', 'topic: t, count: "${COUNT}", compact: "${COMPACT}"')}parallelism: \${PARALLELISM:-4}\n`,
      { COUNT: '7', COMPACT: 'true' },
    );
    expect(config.parallelism).toBe(4);
    expect(config.sources[0]).toMatchObject({ count: 7, compact: true });
  });

  it('keeps a quoted number a string, as the user wrote it', () => {
    expect(issues(minimalWith('parallelism: "2"'))).toEqual(['/parallelism: must be an integer']);
    expect(issues(minimalWith('parallelism: ${P}'), { P: 'two' })).toEqual(['/parallelism: must be an integer']);
  });

  it('interpolates values shared through YAML aliases once per place', () => {
    const text = `
name: p
sources: [{ id: in, type: test, topic: t, labels: &labels { note: "$\${literal}", host: "\${HOST}" } }]
sinks: [{ id: out, type: test, table: t }]
`;
    expect(load(text, { HOST: 'h' }).sources[0]?.labels).toEqual({ note: '${literal}', host: 'h' });
    const shared = load(
      text.replace(/sources: \[(.*)\]/, 'sources: [$1, { id: in2, type: test, topic: t, labels: *labels }]'),
      { HOST: 'h' },
    );
    expect(shared.sources[1]?.labels).toEqual({ note: '${literal}', host: 'h' });
  });

  it('reads files from disk and reports unreadable ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lockstep-config-'));
    try {
      await writeFile(join(dir, 'p.yaml'), MINIMAL);
      const config = await loadPipelineFile(join(dir, 'p.yaml'), { registry, schemas, env: {} });
      expect(config.checkpoint.storage).toBe(join(dir, '.lockstep', 'checkpoints', 'p'));
      await expect(loadPipelineFile(join(dir, 'missing.yaml'), { registry, schemas })).rejects.toMatchObject({
        code: 'LS_CONFIG_READ',
        message: `${join(dir, 'missing.yaml')}: cannot read the file: no such file`,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops at interpolation errors, naming each variable and path', () => {
    const error = failure(MINIMAL.replace('table: t', 'table: "${TABLE}"').replace('topic: t', 'topic: "${TOPIC}"'), {});
    expect(error.code).toBe('LS_CONFIG_INTERPOLATION');
    expect(error.toString()).toBe(
      [
        'pipeline.yaml: /sources/0/topic: environment variable TOPIC is not set and has no default (write ${TOPIC:-default} to give one)',
        'pipeline.yaml: /sinks/0/table: environment variable TABLE is not set and has no default (write ${TABLE:-default} to give one)',
      ].join('\n'),
    );
  });

  it('reports every schema problem of the document at once', () => {
    const error = failure('name: "bad name"\nparallelism: 0\nsources: []\nsinks: [{ id: out, type: test }]\n');
    expect(error.code).toBe('LS_CONFIG_INVALID');
    expect(error.issues.map((issue) => issue.path)).toEqual(['/name', '/parallelism', '/sources', '/sinks/0/table']);
  });
});

describe('pipeline schema rules', () => {
  it.each([
    ['an empty file', '', ': the file is empty: a pipeline needs at least name, sources and sinks'],
    ['a list', '- a', ': must be an object (a mapping of keys to values)'],
    ['no name', MINIMAL.replace('name: p', ''), '/name: is required'],
    ['a name with spaces', MINIMAL.replace('name: p', 'name: my pipeline'), "/name: must be 1 to 100 letters, digits, '_', '.' or '-', starting with a letter or digit"],
    ['a name of 101 characters', MINIMAL.replace('name: p', `name: ${'a'.repeat(101)}`), '/name: must be 1 to 100 letters'],
    ['a name starting with -', MINIMAL.replace('name: p', 'name: -p'), '/name: must be 1 to 100 letters'],
    ['an unknown guarantee', minimalWith('guarantee: exactly-twice'), '/guarantee: must be one of: exactly-once, at-least-once'],
    ['a misspelled top-level key', minimalWith('parallelizm: 2'), "/parallelizm: unknown property 'parallelizm'; did you mean 'parallelism'?"],
    ['an unknown checkpoint key', minimalWith('checkpoint: { every: 1s }'), "/checkpoint/every: unknown property 'every'; expected one of: interval, timeout, storage, retain"],
    ['a bad interval', minimalWith('checkpoint: { interval: soon }'), '/checkpoint/interval: must be "off", 0 or a duration such as 250ms, 1.5s, 2m, 1h, or whole milliseconds'],
    ['a zero timeout', minimalWith('checkpoint: { timeout: 0 }'), '/checkpoint/timeout: must be at least 1ms'],
    ['timeout off', minimalWith('checkpoint: { timeout: off }'), '/checkpoint/timeout: must be a duration such as'],
    ['retain 0', minimalWith('checkpoint: { retain: 0 }'), '/checkpoint/retain: must be at least 1'],
    ['an empty storage', minimalWith('checkpoint: { storage: "" }'), '/checkpoint/storage: must not be empty'],
    ['parallelism 1.5', minimalWith('parallelism: 1.5'), '/parallelism: must be an integer'],
    ['parallelism 5000', minimalWith('parallelism: 5000'), '/parallelism: must be at most 1024'],
    ['no sources', MINIMAL.replace(/sources:.*\n/, ''), '/sources: is required'],
    ['no sinks', MINIMAL.replace(/sinks:.*\n/, 'sinks: []\n'), '/sinks: must have at least one entry'],
    ['sources as a mapping', MINIMAL.replace(/sources:.*\n/, 'sources: { id: in }\n'), '/sources: must be a list'],
    ['a component without id', MINIMAL.replace('id: in, ', ''), '/sources/0/id: is required'],
    ['a component id with a slash', MINIMAL.replace('id: in', 'id: a/b'), "/sources/0/id: must be 1 to 64 letters, digits, '_', '.' or '-'"],
    ['a component type that is a number', MINIMAL.replace('type: test, topic', 'type: 5, topic'), '/sources/0/type: must be a string'],
    ['component parallelism 0', MINIMAL.replace('type: test, topic', 'type: test, parallelism: 0, topic'), '/sources/0/parallelism: must be at least 1'],
    ['an unknown errors policy', minimalWith('errors: { policy: ignore }'), '/errors/policy: must be one of: fail, skip, dead-letter'],
    ['a negative maxAttempts', minimalWith('restart: { maxAttempts: -1 }'), '/restart/maxAttempts: must be at least 0'],
    ['jitter above 1', minimalWith('restart: { jitter: 1.5 }'), '/restart/jitter: must be at most 1'],
    ['a zero backoff', minimalWith('restart: { initialBackoff: 0 }'), '/restart/initialBackoff: must be at least 1ms'],
    ['a backoff range upside down', minimalWith('restart: { initialBackoff: 2m, maxBackoff: 1m }'), '/restart/maxBackoff: must be at least initialBackoff (120000ms)'],
  ])('refuses %s', (_, text, expected) => {
    const found = issues(text);
    expect(found.some((line) => line.startsWith(expected))).toBe(true);
  });

  it('refuses ids used twice, across sources, transforms and sinks', () => {
    const text = `
name: p
sources: [{ id: orders, type: test, topic: t }]
transforms: [{ id: orders, type: test }]
sinks: [{ id: out, type: test, table: t }, { id: out, type: test, table: u }]
`;
    expect(issues(text)).toEqual([
      "/transforms/0/id: id 'orders' is already used at /sources/0/id: ids must be unique in the pipeline",
      "/sinks/1/id: id 'out' is already used at /sinks/0/id: ids must be unique in the pipeline",
    ]);
  });

  it('refuses parallelism on a transform', () => {
    expect(issues(minimalWith('transforms: [{ id: x, type: test, parallelism: 2 }]'))).toEqual([
      '/transforms/0/parallelism: is not allowed: transforms run in the subtasks of the source that feeds them',
    ]);
  });

  it('requires a dead-letter sink with policy dead-letter', () => {
    expect(issues(minimalWith('errors: { policy: dead-letter }'))).toEqual(['/errors/sink: is required when policy is dead-letter']);
  });

  it('requires the dead-letter sink to be one of the sinks, and not the only one', () => {
    expect(issues(minimalWith('errors: { policy: dead-letter, sink: dlq }'))).toEqual([
      "/errors/sink: must name one of the sinks (out); there is no sink 'dlq'",
    ]);
    expect(issues(minimalWith('errors: { policy: dead-letter, sink: out }'))).toEqual([
      '/errors/sink: the dead-letter sink receives only refused records, so the pipeline needs another sink for its output',
    ]);
    expect(issues(minimalWith('errors: { policy: dead-letter, sink: in }'))).toEqual([
      "/errors/sink: must name one of the sinks (out); there is no sink 'in'",
    ]);
  });

  it('refuses a dead-letter sink with another policy', () => {
    expect(issues(minimalWith('errors: { policy: skip, sink: out }'))).toEqual(['/errors/sink: is only used with policy dead-letter']);
  });
});

describe('component schema rules', () => {
  it('names an unknown type and the known ones', () => {
    expect(issues(MINIMAL.replace('type: test, table', 'type: tset, table'))).toEqual([
      "/sinks/0/type: unknown sink type 'tset' (did you mean 'test'?); known sink types: test",
    ]);
  });

  it('validates options against the plugin schema', () => {
    const sink = (options: string): string[] => issues(MINIMAL.replace('table: t', `table: t, ${options}`));
    expect(sink('mode: merge')).toEqual(['/sinks/0/mode: must be one of: insert, upsert']);
    expect(sink('tabel: x')).toEqual(["/sinks/0/tabel: unknown property 'tabel'; did you mean 'table'?"]);
    expect(sink('batchSize: many')).toEqual(['/sinks/0/batchSize: must be an integer']);
    expect(sink('key: []')).toEqual(['/sinks/0/key: must have at least one entry']);
    expect(sink('url: "not a url"')).toEqual(['/sinks/0/url: must be a valid uri']);
    expect(sink('flushInterval: 1 minute')).toEqual(['/sinks/0/flushInterval: must be a duration such as 250ms, 1.5s, 2m, 1h, or whole milliseconds']);
    expect(issues(MINIMAL.replace(', table: t', ''))).toEqual(['/sinks/0/table: is required']);
  });

  it('folds failed alternatives into one message, or reports the alternative that fits', () => {
    const sink = (options: string): string[] => issues(MINIMAL.replace('table: t', `table: t, ${options}`));
    expect(sink('target: 5')).toEqual(['/sinks/0/target: must be a string or must be an object (a mapping of keys to values)']);
    expect(sink('target: { host: h, port: http }')).toEqual(['/sinks/0/target/port: must be an integer']);
    expect(sink('target: bad_host!')).toEqual(['/sinks/0/target: must be a valid hostname']);
    expect(sink('target: { port: 1 }')).toEqual(['/sinks/0/target/host: is required']);
  });

  it('words alternatives that each require a property as one requirement', () => {
    const text = `${MINIMAL}transforms: [{ id: x, type: test }]\n`;
    const schemasWithAnyOf = testSchemas().register('test/transform.schema.json', {
      type: 'object',
      anyOf: [{ required: ['set'] }, { required: ['remove'] }],
      properties: { set: { type: 'object' }, remove: { type: 'array' } },
      additionalProperties: false,
    });
    const refusal = (yaml: string): string => {
      try {
        loadPipelineText(yaml, { file: 'p.yaml', registry, schemas: schemasWithAnyOf, env: {} });
      } catch (error) {
        return String(error);
      }
      throw new Error('expected a ConfigError');
    };
    expect(refusal(text)).toBe('p.yaml: /transforms/0: must have at least one of: set, remove');
    // errors of sibling keywords stay apart from the alternatives
    expect(refusal(text.replace('id: x, type: test', 'id: x, type: test, colour: red')).split('\n')).toEqual([
      'p.yaml: /transforms/0: must have at least one of: set, remove',
      "p.yaml: /transforms/0/colour: unknown property 'colour'; expected one of: set, remove",
    ]);
  });

  it('gives the plugin its options with durations in ms, and leaves id, type, parallelism out of its schema', () => {
    const config = load(MINIMAL.replace('table: t', 'table: t, flushInterval: 1.5s, parallelism: 3'));
    expect(config.sinks[0]).toMatchObject({ id: 'out', type: 'test', parallelism: 3, flushInterval: 1_500 });
  });

  it('validates components even when the pipeline level has problems', () => {
    expect(issues(`${MINIMAL.replace('table: t', 'table: t, mode: merge')}parallelism: 0\n`)).toEqual([
      '/parallelism: must be at least 1',
      '/sinks/0/mode: must be one of: insert, upsert',
    ]);
  });

  it('reports a broken plugin schema as such', () => {
    const broken = testRegistry();
    broken.register({ ...broken.get('sink', 'test'), type: 'broken', configSchema: 'test/broken.schema.json' });
    try {
      loadPipelineText(MINIMAL.replace('type: test, table', 'type: broken, table'), { file: 'p.yaml', registry: broken, schemas, env: {} });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toMatchObject({ code: 'LS_CONFIG_SCHEMA' });
    }
  });
});
