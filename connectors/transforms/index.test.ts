import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { transformPlugins } from './index';

const schemaDir = join(__dirname, '..', '..', 'config-schemas');

function validator(schemaPath: string): (config: unknown) => boolean {
  const schema = JSON.parse(readFileSync(join(schemaDir, schemaPath), 'utf8')) as object;
  // The options of core/config's shared Ajv instance (strictRequired off: it refuses `anyOf: [{ required }]`).
  const validate = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true }).compile(schema);
  return (config) => validate(config);
}

describe('transformPlugins', () => {
  it('registers json, filter, map and module as transforms with their schema files', () => {
    expect(transformPlugins.map((plugin) => [plugin.kind, plugin.type, plugin.configSchema])).toEqual([
      ['transform', 'json', 'transforms/json.schema.json'],
      ['transform', 'filter', 'transforms/filter.schema.json'],
      ['transform', 'map', 'transforms/map.schema.json'],
      ['transform', 'module', 'transforms/module.schema.json'],
    ]);
  });

  it.each([
    ['json', { id: 'p', type: 'json' }, true],
    ['json', { id: 'p', type: 'json', onKey: true }, true],
    ['json', { id: 'p', type: 'json', field: 'x' }, false],
    ['json', { id: 'p', type: 'filter' }, false],
    ['filter', { id: 'f', type: 'filter', where: 'value.a == 1' }, true],
    ['filter', { id: 'f', type: 'filter' }, false],
    ['filter', { id: 'f', type: 'filter', where: '' }, false],
    ['map', { id: 'm', type: 'map', set: { total: 'value.a + 1' } }, true],
    ['map', { id: 'm', type: 'map', remove: ['raw'] }, true],
    ['map', { id: 'm', type: 'map', key: 'value.id' }, true],
    ['map', { id: 'm', type: 'map' }, false],
    ['map', { id: 'm', type: 'map', set: { total: 1 } }, false],
    ['map', { id: 'm', type: 'map', set: {} }, false],
    ['map', { id: 'm', type: 'map', remove: ['a', 'a'] }, false],
    ['module', { id: 'u', type: 'module', module: './fn.ts', export: 'enrich' }, true],
    ['module', { id: 'u', type: 'module', module: './fn.mjs' }, true],
    ['module', { id: 'u', type: 'module', module: './fn' }, false],
    ['module', { id: 'u', type: 'module' }, false],
  ])('the %s schema judges %j valid: %s', (type, config, valid) => {
    const plugin = transformPlugins.find((candidate) => candidate.type === type);
    expect(plugin).toBeDefined();
    expect(validator(plugin?.configSchema ?? '')(config)).toBe(valid);
  });
});
