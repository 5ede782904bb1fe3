import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { configSchemaCheck } from '../core/testing';
import { builtinPlugins } from './index';

describe('builtinPlugins', () => {
  it('registers the built-in sources, sinks and transforms once per kind and type', () => {
    const names = builtinPlugins.map((plugin) => `${plugin.kind}:${plugin.type}`);
    const expected = ['source:generator', 'source:file', 'sink:file', 'sink:stdout', 'transform:json'];
    expect(names).toEqual(expect.arrayContaining(expected));
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(builtinPlugins.map((plugin) => [`${plugin.kind}:${plugin.type}`, plugin.configSchema]))(
    '%s has a schema file that compiles and requires id and type (%s)',
    (_name, schema) => {
      expect(typeof schema === 'string' && existsSync(join(__dirname, '..', 'config-schemas', schema))).toBe(true);
      expect(configSchemaCheck(schema)({})).not.toEqual([]);
    },
  );
});
