import { join } from 'node:path';
import { LockstepError } from '../errors/lockstep-error';
import { ConfigError } from './config-error';
import { FIXTURE_SCHEMAS, testRegistry, testSchemas } from './fixtures/test-plugins';
import { loadPipelineText } from './pipeline-loader';
import { loadPluginModule, registerPluginModule } from './plugin-loader';
import { PluginRegistry } from './plugin-registry';

const FIXTURES = FIXTURE_SCHEMAS;
const PACKAGE = join(FIXTURES, 'plugin-package');

function thrown(action: () => unknown): LockstepError {
  try {
    action();
  } catch (error) {
    if (LockstepError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a LockstepError');
}

describe('loading plugin modules', () => {
  it('finds a package folder by path, and its package folder from the entry file', () => {
    const module = loadPluginModule('./plugin-package', FIXTURES);
    expect(module.file).toBe(join(PACKAGE, 'lib', 'index.js'));
    expect(module.packageDir).toBe(PACKAGE);
    expect(module.plugins.map((plugin) => `${plugin.kind}:${plugin.type}`)).toEqual(['transform:upper', 'sink:inline']);
  });

  it('says why a module cannot be used', () => {
    const missing = thrown(() => loadPluginModule('./nowhere', FIXTURES));
    expect(missing).toMatchObject({ code: 'LS_CONFIG_PLUGIN', message: `cannot find plugin module './nowhere' from ${FIXTURES}` });
    expect(thrown(() => loadPluginModule('no-such-package-anywhere', FIXTURES)).message).toContain("cannot find plugin module 'no-such-package-anywhere'");
    const failing = thrown(() => loadPluginModule('./lib/throws.js', PACKAGE));
    expect(failing.message).toBe(`loading plugin module './lib/throws.js' (${join(PACKAGE, 'lib', 'throws.js')}) failed: this plugin module fails to load`);
    expect(thrown(() => loadPluginModule('./lib/no-plugins', PACKAGE)).message).toMatch(/no-plugins\.js\) exports no 'plugins' array$/);
  });

  it('registers plugins once, and refuses a second plugin of a taken type', () => {
    const registry = new PluginRegistry();
    registerPluginModule(registry, PACKAGE, FIXTURES);
    registerPluginModule(registry, './plugin-package/lib/index.js', FIXTURES);
    const upper = registry.get('transform', 'upper');
    expect(registry.schemaDir(upper)).toBe(PACKAGE);
    const taken = thrown(() => registerPluginModule(registry, './lib/other-upper', PACKAGE));
    expect(taken.code).toBe('LS_CONFIG_PLUGIN');
    expect(taken.message).toContain("a transform plugin of type 'upper' is already registered");
  });
});

describe('plugins: in a pipeline', () => {
  const schemas = testSchemas();
  const text = (plugins: string, upper: string, inline: string): string => `
name: p
plugins: ${plugins}
sources: [{ id: in, type: test, topic: t }]
transforms: [{ id: up, type: upper, ${upper} }]
sinks: [{ id: out, type: inline, ${inline} }]
`;
  const file = join(FIXTURES, 'p.yaml');

  function failure(pipeline: string): string[] {
    try {
      loadPipelineText(pipeline, { file, registry: testRegistry(), schemas, env: {} });
    } catch (error) {
      if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
      throw error;
    }
    throw new Error('expected a ConfigError');
  }

  it('loads them relative to the pipeline file and validates against their schemas (file with $ref, object)', () => {
    const registry = testRegistry();
    const config = loadPipelineText(text('[./plugin-package]', 'field: name', 'target: t'), { file, registry, schemas, env: {} });
    expect(config.transforms).toEqual([{ id: 'up', type: 'upper', field: 'name' }]);
    expect(config.sinks).toEqual([{ id: 'out', type: 'inline', parallelism: 1, target: 't', retries: 3 }]);
    expect(registry.types('sink')).toEqual(['inline', 'test']);
  });

  it('reports problems in plugin schemas with their path, and modules that fail at their place in the list', () => {
    expect(failure(text('[./plugin-package]', 'field: Name', 'retries: -1'))).toEqual([
      '/transforms/0/field: must match the pattern ^[a-z]+$',
      '/sinks/0/target: is required',
      '/sinks/0/retries: must be at least 0',
    ]);
    expect(failure(text('[./plugin-package, ./missing]', 'field: name', 'target: t'))).toEqual([
      `/plugins/1: cannot find plugin module './missing' from ${FIXTURES}`,
    ]);
    expect(failure(text('[7]', 'field: name', 'target: t'))[0]).toMatch(/^\/plugins\/0: must be/);
  });
});
