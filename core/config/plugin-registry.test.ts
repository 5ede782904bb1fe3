import { LockstepError } from '../errors/lockstep-error';
import { testSinkPlugin, testSourcePlugin } from './fixtures/test-plugins';
import { PluginRegistry } from './plugin-registry';

function thrown(action: () => unknown): LockstepError {
  try {
    action();
  } catch (error) {
    if (LockstepError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a LockstepError');
}

describe('PluginRegistry', () => {
  it('finds plugins by kind and type; a type may be both a source and a sink', () => {
    const source = testSourcePlugin({ type: 'kafka' });
    const sink = testSinkPlugin({ type: 'kafka' });
    const registry = new PluginRegistry().register(source).register(sink);
    expect(registry.get('source', 'kafka')).toBe(source);
    expect(registry.get('sink', 'kafka')).toBe(sink);
    expect(registry.find('transform', 'kafka')).toBeUndefined();
  });

  it('lists the known types and suggests the closest one for an unknown type', () => {
    const registry = new PluginRegistry()
      .register(testSinkPlugin({ type: 'postgres' }))
      .register(testSinkPlugin({ type: 'file' }));
    const error = thrown(() => registry.get('sink', 'postgress'));
    expect(error.code).toBe('LS_CONFIG_UNKNOWN_TYPE');
    expect(error.message).toBe("unknown sink type 'postgress' (did you mean 'postgres'?); known sink types: file, postgres");
    expect(thrown(() => registry.get('sink', 'kinesis')).message).toBe("unknown sink type 'kinesis'; known sink types: file, postgres");
    expect(thrown(() => registry.get('source', 'kafka')).message).toBe("unknown source type 'kafka': no source types are registered");
  });

  it('refuses a second plugin of the same kind and type', () => {
    const registry = new PluginRegistry().register(testSinkPlugin({ type: 'file' }));
    const error = thrown(() => registry.register(testSinkPlugin({ type: 'file' })));
    expect(error.code).toBe('LS_CONFIG_PLUGIN');
    expect(error.message).toContain("a sink plugin of type 'file' is already registered");
  });

  it('refuses malformed plugins', () => {
    const registry = new PluginRegistry();
    expect(thrown(() => registry.register(testSinkPlugin({ type: 'my sink' }))).message).toContain("plugin type 'my sink' must be");
    expect(thrown(() => registry.register({ ...testSinkPlugin(), configSchema: '' })).message).toContain('must name its schema file');
    const wrongKind = { ...testSinkPlugin(), kind: 'operator' } as unknown as Parameters<PluginRegistry['register']>[0];
    expect(thrown(() => registry.register(wrongKind)).message).toContain('plugin kind must be one of source, transform, sink');
  });

  it('takes a schema object, and a folder for relative schema paths (the plugin package)', () => {
    const inline = { ...testSinkPlugin({ type: 'inline' }), configSchema: { type: 'object' } };
    const packaged = testSinkPlugin({ type: 'packaged' });
    const registry = new PluginRegistry().register(inline).register(packaged, { schemaDir: '/opt/plugins/packaged' });
    expect(registry.schemaDir(inline)).toBeUndefined();
    expect(registry.schemaDir(packaged)).toBe('/opt/plugins/packaged');
    const list = { ...testSinkPlugin({ type: 'list' }), configSchema: [] as unknown as string };
    expect(thrown(() => registry.register(list)).message).toContain('must name its schema file');
  });

  it('lists types sorted', () => {
    const registry = new PluginRegistry().register(testSinkPlugin({ type: 'zeta' })).register(testSinkPlugin({ type: 'alpha' }));
    expect(registry.types('sink')).toEqual(['alpha', 'zeta']);
    expect(registry.types('source')).toEqual([]);
  });
});
