import { RecordError } from '../../../core/sdk';
import { compileExpression } from './compiled-expression';

const record = {
  value: {
    name: 'Ada Lovelace',
    email: 'ADA@Example.org',
    price: '12.50',
    tags: ['a', 'b'],
    n: -2.5,
    obj: { a: 1, b: 2 },
  },
  origin: 'people.jsonl:3',
};

function run(source: string): unknown {
  return compileExpression(source, { component: 'fn', option: 'set.x' }).evaluate(record);
}

function failure(source: string): RecordError {
  try {
    run(source);
  } catch (error) {
    if (error instanceof RecordError) return error;
    throw error;
  }
  throw new Error(`expected ${source} to fail`);
}

describe('expression functions', () => {
  it.each([
    ['lower(value.email)', 'ada@example.org'],
    ['upper(value.name)', 'ADA LOVELACE'],
    ['length(value.name)', 12],
    ["length('héllo 👋')", 7],
    ['length(value.tags)', 2],
    ['length(value.obj)', 2],
    ["concat(value.name, ' <', lower(value.email), '>')", 'Ada Lovelace <ada@example.org>'],
    ["concat('n=', 1, ', ok=', true, ', none=', null)", 'n=1, ok=true, none='],
    ['coalesce(value.missing, value.name)', 'Ada Lovelace'],
    ['coalesce(value.missing, null)', null],
    ['coalesce(value.name, 1 / 0)', 'Ada Lovelace'],
    ['round(2.5)', 3],
    ['round(-2.5)', -3],
    ['round(value.n)', -3],
    ['round(-0.4)', 0],
    ['round(1.005, 2)', 1.01],
    ['round(1234.5, -2)', 1200],
    ['round(0.1 + 0.2, 10)', 0.3],
    ['round(1e-7, 3)', 0],
    ['floor(2.9)', 2],
    ['floor(-2.1)', -3],
    ['abs(-4)', 4],
    ["contains(value.name, 'Love')", true],
    ["contains(value.name, 'love')", false],
    ["contains(value.tags, 'b')", true],
    ["contains(value.tags, 'z')", false],
    ["startsWith(value.name, 'Ada')", true],
    ["startsWith(value.name, 'Love')", false],
    ['toString(42)', '42'],
    ['toString(true)', 'true'],
    ["toString('s')", 's'],
    ['toString(value.tags)', '["a","b"]'],
    ['toString(value.obj)', '{"a":1,"b":2}'],
    ['toNumber(value.price)', 12.5],
    ["toNumber(' -3 ')", -3],
    ["toNumber('1e3')", 1000],
    ['toNumber(7)', 7],
    ['toNumber(value.price) * 2', 25],
    ['parseJson(\'{"a": [1, null]}\').a', [1, null]],
    ["parseJson('null')", null],
    ['parseJson(toString(value.obj))', { a: 1, b: 2 }],
  ])('%s = %j', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });

  it.each([
    'lower(value.missing)',
    'upper(value.missing)',
    'length(value.missing)',
    'round(value.missing)',
    'round(value.missing, 2)',
    'floor(value.missing)',
    'abs(value.missing)',
    "contains(value.missing, 'x')",
    "startsWith(value.missing, 'x')",
    'toString(value.missing)',
    'toNumber(value.missing)',
    'parseJson(value.missing)',
  ])('%s propagates null from its first argument', (source) => {
    expect(run(source)).toBeNull();
  });

  it.each([
    ['lower(1)', 'lower() expects a string but got a number'],
    ["parseJson('{oops')", 'parseJson() expects JSON text'],
    ['parseJson(3)', 'parseJson() expects a string but got a number'],
    ['upper(value.tags)', 'upper() expects a string but got a list'],
    ['length(3)', 'length() expects a string, list or object but got a number'],
    ["round('1')", 'round() expects a number but got a string'],
    ['round(1, 0.5)', 'round() expects an integer number of digits between -15 and 15 but got 0.5'],
    ['round(1, 16)', 'between -15 and 15'],
    ["floor('1')", 'floor() expects a number'],
    ['abs(true)', 'abs() expects a number but got a boolean'],
    ['contains(value.name, 1)', 'contains() expects a string but got a number'],
    ["contains(5, 'x')", 'contains() expects a string or list but got a number'],
    ["startsWith(value.name, null)", 'startsWith() expects a string but got null'],
    ["toNumber('12abc')", "toNumber() cannot convert '12abc' to a number"],
    ["toNumber('')", "toNumber() cannot convert '' to a number"],
    ["toNumber('0x10')", "toNumber() cannot convert '0x10'"],
    ['toNumber(true)', 'toNumber() expects a string or number but got a boolean'],
    ['concat(value.tags)', 'concat() expects strings, numbers or booleans but got a list'],
  ])('%s fails: %s', (source, message) => {
    const error = failure(source);
    expect(error.code).toBe('LS_EXPRESSION_TYPE');
    expect(error.message).toContain(message);
    expect(error.message).toContain('column 1');
    expect(error.context['field']).toBe('set.x');
  });

  it('reports a failing nested call at its own column', () => {
    const message = failure("concat('x', lower(5))").message;
    expect(message).toContain('lower() expects a string but got a number at column 13');
  });

  it('does not let prototype names pass as functions', () => {
    expect(() => compileExpression('constructor(1)', { component: 'fn', option: 'set.x' })).toThrow(
      "unknown function 'constructor'",
    );
  });
});
