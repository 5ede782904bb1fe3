import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { CONFIG_TYPE_TARGETS, REPOSITORY_ROOT } from './config-type-targets';
import { makeReadonly } from './readonly-types';
import { prepareSchema } from './schema-preparation';

const GENERATOR = join(__dirname, 'generate-config-types.ts');

/** Runs the generator in its own process: prettier (which json-schema-to-typescript formats with) cannot load in Jest. */
function runGenerator(args: readonly string[]): { readonly status: number | null; readonly stdout: string } {
  const result = spawnSync(process.execPath, [require.resolve('tsx/cli'), GENERATOR, ...args], { encoding: 'utf8' });
  if (result.stderr !== '') throw new Error(result.stderr);
  return result;
}

describe('generated config types', () => {
  it('are what their schemas generate (after editing a schema, run `npm run gen:config-types`)', () => {
    expect(runGenerator(['--check'])).toEqual(expect.objectContaining({ stdout: '', status: 0 }));
  });

  it('are reported stale when a schema changes', () => {
    const root = mkdtempSync(join(tmpdir(), 'lockstep-config-types-root-'));
    cpSync(join(REPOSITORY_ROOT, 'config-schemas'), join(root, 'config-schemas'), { recursive: true });
    for (const { output } of CONFIG_TYPE_TARGETS) cpSync(join(REPOSITORY_ROOT, output), join(root, output));
    const schemaFile = join(root, 'config-schemas', 'file', 'sink.schema.json');
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as { properties: Record<string, unknown> };
    schema.properties.flushEvery = { type: 'integer', default: 10 };
    writeFileSync(schemaFile, JSON.stringify(schema));
    expect(runGenerator(['--check', '--root', root])).toEqual(
      expect.objectContaining({ stdout: expect.stringContaining('stale connectors/file/file-sink-config.generated.ts\n'), status: 1 }),
    );
    expect(runGenerator(['--root', root]).status).toBe(0);
    expect(readFileSync(join(root, 'connectors/file/file-sink-config.generated.ts'), 'utf8')).toContain('readonly flushEvery: number;');
    expect(runGenerator(['--check', '--root', root])).toEqual(expect.objectContaining({ stdout: '', status: 0 }));
  });

  it('covers every schema file with a root type (files of shared $defs only are inlined where they are used)', () => {
    const folder = join(REPOSITORY_ROOT, 'config-schemas');
    const typed = readdirSync(folder, { recursive: true, encoding: 'utf8' })
      .filter((path) => path.endsWith('.schema.json'))
      // The editor bundle is generated from these schemas (tools/editor-schema): no config type of its own.
      .filter((path) => !path.endsWith('.bundled.schema.json'))
      .filter((path) => 'properties' in (JSON.parse(readFileSync(join(folder, path), 'utf8')) as object))
      .map((path) => path.split(sep).join('/'))
      .sort();
    expect(CONFIG_TYPE_TARGETS.map((target) => target.schema).sort()).toEqual(typed);
  });
});

describe('schema preparation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-config-types-'));
  const write = (name: string, schema: unknown): string => {
    const file = join(dir, name);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, JSON.stringify(schema));
    return file;
  };

  it('types the validated shape: defaulted properties required, durations numbers, rules beside properties left out', () => {
    const file = write('a.schema.json', {
      type: 'object',
      required: ['id'],
      anyOf: [{ required: ['x'] }, { required: ['y'] }],
      properties: {
        id: { type: 'string' },
        x: { type: 'string', default: 'd' },
        wait: { 'x-duration': { minMs: 1 }, default: '1s' },
        y: { type: 'integer' },
      },
    });
    expect(prepareSchema(file)).toEqual({
      type: 'object',
      required: ['id', 'x', 'wait'],
      properties: {
        id: { type: 'string' },
        x: { type: 'string', default: 'd' },
        wait: { tsType: 'number', default: '1s' },
        y: { type: 'integer' },
      },
    });
  });

  it("inlines $refs to other files, keeping only the default beside the $ref (Ajv ignores the definition's)", () => {
    write('shared/defs.schema.json', { $defs: { port: { type: 'integer', default: 1, description: 'port' } } });
    const file = write('shared/b.schema.json', {
      type: 'object',
      properties: { p: { $ref: 'defs.schema.json#/$defs/port' }, q: { $ref: 'defs.schema.json#/$defs/port', default: 2 } },
    });
    expect(prepareSchema(file)).toEqual({
      type: 'object',
      required: ['q'],
      properties: { p: { type: 'integer', description: 'port' }, q: { type: 'integer', description: 'port', default: 2 } },
    });
  });
});

describe('makeReadonly', () => {
  it('marks properties, index signatures, arrays and tuples readonly, leaving comments alone', () => {
    const source = 'export interface A {\n  /** doc */\n  a?: string[];\n  [k: string]: unknown;\n  t: [number, (string | boolean)[]];\n}\n';
    expect(makeReadonly(source)).toBe(
      'export interface A {\n  /** doc */\n  readonly a?: readonly string[];\n  readonly [k: string]: unknown;\n' +
        '  readonly t: readonly [number, readonly (string | boolean)[]];\n}\n',
    );
  });
});
