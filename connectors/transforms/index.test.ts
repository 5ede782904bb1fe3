import { configSchemaCheck } from '../../core/testing';
import { transformPlugins } from './index';

describe('transformPlugins', () => {
  it('registers json, filter, map, module and throttle as transforms with their schema files', () => {
    expect(transformPlugins.map((plugin) => [plugin.kind, plugin.type, plugin.configSchema])).toEqual([
      ['transform', 'json', 'transforms/json.schema.json'],
      ['transform', 'filter', 'transforms/filter.schema.json'],
      ['transform', 'map', 'transforms/map.schema.json'],
      ['transform', 'module', 'transforms/module.schema.json'],
      ['transform', 'throttle', 'transforms/throttle.schema.json'],
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
    ['map', { id: 'm', type: 'map', sett: { a: '1' } }, false],
    ['module', { id: 'u', type: 'module', module: './fn.ts', export: 'enrich' }, true],
    ['module', { id: 'u', type: 'module', module: './fn.mjs' }, true],
    ['module', { id: 'u', type: 'module', module: './fn' }, false],
    ['module', { id: 'u', type: 'module' }, false],
    ['throttle', { id: 't', type: 'throttle', recordsPerSecond: 500 }, true],
    ['throttle', { id: 't', type: 'throttle', recordsPerSecond: 0.5 }, true],
    ['throttle', { id: 't', type: 'throttle' }, false],
    ['throttle', { id: 't', type: 'throttle', recordsPerSecond: 0 }, false],
    ['throttle', { id: 't', type: 'throttle', recordsPerSecond: '10' }, false],
  ])('the %s schema judges %j valid: %s', (type, config, valid) => {
    const plugin = transformPlugins.find((candidate) => candidate.type === type);
    expect(plugin).toBeDefined();
    const problems = configSchemaCheck(plugin?.configSchema ?? '')(config);
    expect(problems.length === 0).toBe(valid);
  });
});
