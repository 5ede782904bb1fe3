import { interpolateDocument, interpolateString } from './interpolation';

const env = { HOST: 'db.local', PORT: '5432', EMPTY: '', USER: 'orders' };

function value(text: string): string {
  const result = interpolateString(text, env);
  if (!result.ok) throw new Error(result.messages.join('; '));
  return result.value;
}

function problems(text: string): readonly string[] {
  const result = interpolateString(text, env);
  return result.ok ? [] : result.messages;
}

describe('interpolation of ${VAR}', () => {
  it('replaces set variables, several per string', () => {
    expect(value('postgres://${USER}@${HOST}:${PORT}/db')).toBe('postgres://orders@db.local:5432/db');
  });

  it('leaves strings without references alone, including lone $ and braces', () => {
    expect(value('price in $ {not a ref} $HOST }')).toBe('price in $ {not a ref} $HOST }');
  });

  it('uses the default when the variable is unset or empty, and the value otherwise', () => {
    expect(value('${MISSING:-localhost:9092}')).toBe('localhost:9092');
    expect(value('${EMPTY:-fallback}')).toBe('fallback');
    expect(value('${HOST:-fallback}')).toBe('db.local');
    expect(value('${MISSING:-}')).toBe('');
  });

  it('keeps an empty variable without default empty', () => {
    expect(value('[${EMPTY}]')).toBe('[]');
  });

  it('allows references inside defaults', () => {
    expect(value('${MISSING:-${HOST}:${PORT}}')).toBe('db.local:5432');
    expect(value('${MISSING:-${ALSO_MISSING:-deep}}!')).toBe('deep!');
  });

  it('turns $${ into a literal ${ without reading a variable', () => {
    expect(value('$${HOST} costs $${MISSING}')).toBe('${HOST} costs ${MISSING}');
    expect(value('${MISSING:-$${x}}')).toBe('${x}');
  });

  it('names a missing variable and suggests a default', () => {
    expect(problems('url: ${PG_URL}')).toEqual([
      'environment variable PG_URL is not set and has no default (write ${PG_URL:-default} to give one)',
    ]);
  });

  it('reports every missing variable of a string', () => {
    expect(problems('${A}${B}')).toHaveLength(2);
  });

  it('does not evaluate a default that is not needed', () => {
    expect(value('${HOST:-${MISSING}}')).toBe('db.local');
  });

  it.each([
    ['${}', 'must be followed by a variable name'],
    ['${1ABC}', 'must be followed by a variable name'],
    ['${HOST', 'reference to HOST is not closed with }'],
    ['${HOST:-abc', 'reference to HOST is not closed with }'],
    ['${HOST-abc}', 'must be ${NAME} or ${NAME:-default}'],
    ['${HOST:?required}', 'must be ${NAME} or ${NAME:-default}'],
    ['${A:-${B:-${C:-${D:-${E:-${F:-${G:-${H:-${I:-x}}}}}}}}}', 'nested deeper than 8 levels'],
  ])('refuses malformed %p', (text, message) => {
    expect(problems(text).join('; ')).toContain(message);
  });

  it('never puts a variable value into a message', () => {
    const result = interpolateString('${PORT}${MISSING}', { PORT: 's3cr3t-value' });
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('s3cr3t-value');
  });

  it('says when the whole value was one reference, and which values it inserted', () => {
    expect(interpolateString('${PORT}', env)).toEqual({ ok: true, value: '5432', substituted: ['5432'], wholeValue: true });
    expect(interpolateString('${HOST}:${PORT}', env)).toMatchObject({ wholeValue: false, substituted: ['db.local', '5432'] });
    expect(interpolateString('${MISSING:-3}', env)).toMatchObject({ wholeValue: true, substituted: [] });
  });
});

describe('interpolation of a document', () => {
  it('replaces string values at any depth but not keys, and reports issues by JSON pointer', () => {
    const document = {
      name: '${USER}',
      '${HOST}': 'key stays',
      sinks: [{ url: 'pg://${HOST}', 'a/b': '${NOPE}', n: 5, flag: true, nothing: null }],
    };
    const result = interpolateDocument(document, env);
    expect(document).toEqual({
      name: 'orders',
      '${HOST}': 'key stays',
      sinks: [{ url: 'pg://db.local', 'a/b': '${NOPE}', n: 5, flag: true, nothing: null }],
    });
    expect(result.issues).toEqual([
      { path: '/sinks/0/a~1b', message: expect.stringContaining('environment variable NOPE is not set') },
    ]);
    expect([...result.wholeValuePointers]).toEqual(['/name']);
    expect(result.substitutions.get('/sinks/0/url')).toEqual(['db.local']);
  });
});
