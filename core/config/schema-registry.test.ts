import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { ConfigError } from './config-error';
import { FIXTURE_SCHEMAS, testSchemas } from './fixtures/test-plugins';
import { defaultSchemaRegistry, findSchemaRoot, PIPELINE_SCHEMA, SCHEMA_ID_PREFIX, SchemaRegistry } from './schema-registry';

function schemaError(action: () => unknown): ConfigError {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('locating config-schemas/', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lockstep-schemas-'));
    mkdirSync(join(dir, 'config-schemas'));
    writeFileSync(join(dir, 'config-schemas', PIPELINE_SCHEMA), '{}');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('works from the source tree (core/config) and from a build (dist/core/config)', () => {
    expect(findSchemaRoot(join(dir, 'core', 'config'))).toBe(join(dir, 'config-schemas'));
    expect(findSchemaRoot(join(dir, 'dist', 'core', 'config'))).toBe(join(dir, 'config-schemas'));
  });

  it('says where it looked when there is none', () => {
    const error = schemaError(() => findSchemaRoot(join(dir, 'a', 'b', 'c', 'd')));
    expect(error.code).toBe('LS_CONFIG_SCHEMA');
    expect(error.message).toContain(`cannot find ${PIPELINE_SCHEMA}; looked in`);
  });

  it('defaults to the repository folder', () => {
    expect(defaultSchemaRegistry().root).toBe(resolve(__dirname, '..', '..', 'config-schemas'));
  });
});

describe("lockstep's schema files", () => {
  const root = findSchemaRoot();
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.json'));

  it('each have an $id naming their path (editors and other validators can refer to them)', () => {
    expect(files.length).toBeGreaterThan(15);
    for (const name of files) {
      const schema = JSON.parse(readFileSync(join(root, name), 'utf8')) as { $id?: string };
      expect({ name, $id: schema.$id }).toEqual({ name, $id: `${SCHEMA_ID_PREFIX}${relative(root, join(root, name))}` });
    }
  });

  it('compile with their $ids, following $refs to sibling files (postgres connection, kafka client)', () => {
    const registry = defaultSchemaRegistry();
    const { validate } = registry.get('postgres/sink.schema.json');
    expect(validate({ id: 'out', type: 'postgres', table: 't', url: 'postgres://db/app', port: 'x' })).toBe(false);
    expect(validate.errors?.map((error) => error.instancePath)).toContain('/port');
    expect(registry.get('kafka/sink.schema.json').validate({ id: 'out', type: 'kafka', brokers: ['b:9092'], topic: 't' })).toBe(true);
  });
});

describe('SchemaRegistry', () => {
  it('compiles each schema file once, also across registries', () => {
    const first = testSchemas().get('test/sink.schema.json');
    expect(testSchemas().get('test/sink.schema.json').validate).toBe(first.validate);
    expect(new SchemaRegistry({ root: FIXTURE_SCHEMAS }).get('./test/sink.schema.json').validate).toBe(first.validate);
  });

  it('compiles the pipeline schema in strict mode', () => {
    expect(typeof defaultSchemaRegistry().get(PIPELINE_SCHEMA).validate).toBe('function');
  });

  it('resolves $refs to other schema files by relative path', () => {
    const { validate } = testSchemas().get('test/transform.schema.json');
    const defaulted: Record<string, unknown> = {};
    expect(validate(defaulted)).toBe(true);
    expect(defaulted).toEqual({ timeout: 5_000 });
    expect(validate({ timeout: '5ms' })).toBe(false);
  });

  it('refuses a schema with a typo (strict mode) and names the keyword', () => {
    const error = schemaError(() => testSchemas().get('test/broken.schema.json'));
    expect(error.code).toBe('LS_CONFIG_SCHEMA');
    expect(error.message).toContain('minLenght');
    // A second attempt reports the same problem rather than Ajv leftovers.
    expect(schemaError(() => testSchemas().get('test/broken.schema.json')).message).toBe(error.message);
  });

  it('refuses type-less keywords and unknown formats', () => {
    const registry = new SchemaRegistry({ root: FIXTURE_SCHEMAS })
      .register('untyped.schema.json', { properties: { a: { minimum: 1 } } })
      .register('format.schema.json', { type: 'string', format: 'phone-number' });
    expect(schemaError(() => registry.get('untyped.schema.json')).message).toContain('strictTypes');
    expect(schemaError(() => registry.get('format.schema.json')).message).toContain('unknown format "phone-number"');
  });

  it('serves registered schemas before files of the same name', () => {
    const registry = new SchemaRegistry({ root: FIXTURE_SCHEMAS }).register('test/sink.schema.json', { type: 'integer' });
    const { validate } = registry.get('test/sink.schema.json');
    expect(validate(3)).toBe(true);
    expect(validate({ table: 'x' })).toBe(false);
  });

  it('keeps names inside its folder', () => {
    const registry = testSchemas();
    expect(schemaError(() => registry.get('../../../config-schemas/pipeline.schema.json')).message).toContain('schema names are .json paths inside');
    expect(schemaError(() => registry.get('/etc/passwd')).message).toContain('schema names are .json paths inside');
    expect(schemaError(() => registry.get('test/sink.schema.yaml')).message).toContain('schema names are .json paths inside');
  });

  it("compiles a plugin's own schema: an object once, a file relative to its package or absolute", () => {
    const registry = testSchemas();
    const object = { type: 'object', properties: { n: { type: 'integer', default: 1 } } };
    const compiled = registry.getConfigSchema(object);
    expect(registry.getConfigSchema(object)).toBe(compiled);
    const defaulted: Record<string, unknown> = {};
    expect(compiled.validate(defaulted)).toBe(true);
    expect(defaulted).toEqual({ n: 1 });
    const packageDir = join(FIXTURE_SCHEMAS, 'plugin-package');
    const relative = registry.getConfigSchema('schemas/upper.schema.json', packageDir);
    expect(registry.getConfigSchema(join(packageDir, 'schemas', 'upper.schema.json'))).toBe(relative);
    expect(relative.validate({ field: 'name' })).toBe(true);
    expect(relative.validate({ field: 'Name' })).toBe(false);
    expect(registry.getConfigSchema('test/sink.schema.json')).toBe(registry.get('test/sink.schema.json'));
    const broken = schemaError(() => registry.getConfigSchema({ type: 'object', minLenght: 1 }, undefined, "sink plugin 'x'"));
    expect(broken.message).toContain("sink plugin 'x': broken schema: strict mode: unknown keyword: \"minLenght\"");
  });

  it('reports a missing schema file', () => {
    const error = schemaError(() => testSchemas().get('nope/source.schema.json'));
    expect(error.code).toBe('LS_CONFIG_SCHEMA');
    expect(error.message).toContain('ENOENT');
  });

  it.each([
    ['uri', 'postgres://user@db:5432/orders', 'not a uri'],
    ['hostname', 'broker-1.example.com', 'under_score.example'],
    ['ipv4', '10.0.0.1', '10.0.0.256'],
    ['ipv6', '::1', '::g'],
    ['date-time', '2024-05-01T12:00:00Z', '2024-05-01'],
    ['uuid', '123e4567-e89b-12d3-a456-426614174000', '123e4567'],
    ['regex', '^orders-\\d+$', '(unclosed'],
  ])('checks the %s format', (format, good, bad) => {
    const { validate } = new SchemaRegistry({ root: FIXTURE_SCHEMAS }).register(`${format}.json`, { type: 'string', format }).get(`${format}.json`);
    expect(validate(good)).toBe(true);
    expect(validate(bad)).toBe(false);
  });
});
