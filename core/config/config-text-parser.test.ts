import { ConfigError } from './config-error';
import { parseConfigText } from './config-text-parser';

function parseError(text: string, file = 'pipeline.yaml'): ConfigError {
  try {
    parseConfigText(text, file);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parsing pipeline text', () => {
  it('reads YAML and JSON alike', () => {
    expect(parseConfigText('name: a\nsources: [{id: s}]\n', 'p.yml')).toEqual({ name: 'a', sources: [{ id: 's' }] });
    expect(parseConfigText('{"name": "a", "n": 1.5}', 'p.json')).toEqual({ name: 'a', n: 1.5 });
  });

  it('gives line and column of a YAML syntax error', () => {
    const error = parseError('name: a\nsources:\n  - id: s\n    type: [kafka\nsinks: []\n');
    expect(error.code).toBe('LS_CONFIG_PARSE');
    expect(error.issues[0]).toMatchObject({ file: 'pipeline.yaml', path: '', line: 5, column: 1 });
    expect(error.toString()).toMatch(/^pipeline\.yaml:5:1: Flow sequence in block collection must be sufficiently indented/);
  });

  it('refuses duplicate keys with their position', () => {
    const error = parseError('name: a\nname: b\n');
    expect(error.issues).toEqual([{ file: 'pipeline.yaml', path: '', line: 2, column: 1, message: 'Map keys must be unique' }]);
  });

  it('refuses unquoted strings in a .json file', () => {
    const error = parseError('{"name": orders}', 'p.json');
    expect(error.issues[0]).toMatchObject({ line: 1, column: 10 });
  });

  it('refuses several documents in one file', () => {
    expect(parseError('name: a\n---\nname: b\n').issues[0]?.message).toContain('multiple documents');
  });

  it('refuses unknown tags instead of ignoring them', () => {
    expect(parseError('url: !env PG_URL\n').issues[0]?.message).toContain('Unresolved tag');
  });

  it('keeps YAML 1.1 tags out: no Buffers or Dates in a config', () => {
    expect(parseError('a: !!binary aGVsbG8=\n').code).toBe('LS_CONFIG_PARSE');
  });

  it('refuses an alias without anchor', () => {
    expect(parseError('a: *nothing\n').code).toBe('LS_CONFIG_PARSE');
  });

  it('refuses unsupported file types', () => {
    expect(parseError('name = "a"', 'p.toml').toString()).toBe("p.toml: unsupported file type '.toml': use .yaml, .yml or .json");
  });

  it('refuses absurd nesting with the pointer where it got too deep', () => {
    const error = parseError(`${'['.repeat(100)}${']'.repeat(100)}`);
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.message).toBe('is nested deeper than 64 levels');
    expect(error.issues[0]?.path).toBe('/0'.repeat(64));
  });

  it('refuses a __proto__ key rather than risk a polluted prototype', () => {
    const error = parseError('sinks:\n  - __proto__: { polluted: true }\n');
    expect(error.issues[0]).toMatchObject({ path: '/sinks/0/__proto__', message: 'the key __proto__ is not allowed' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('ignores a byte order mark', () => {
    expect(parseConfigText('\uFEFFname: a\n', 'p.yaml')).toEqual({ name: 'a' });
  });

  it('reads an empty file as null (the schema then says what is missing)', () => {
    expect(parseConfigText('', 'p.yaml')).toBeNull();
  });
});
