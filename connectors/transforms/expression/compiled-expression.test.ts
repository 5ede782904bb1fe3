import { LockstepError, type LockstepRecord, RecordError } from '../../../core/sdk';
import { compileExpression } from './compiled-expression';

const site = { component: 'check', option: 'where' };

const record: LockstepRecord = {
  value: {
    amount: 120,
    status: 'paid',
    customer: { id: 'c-7', tier: 'gold' },
    items: [{ sku: 'a' }, { sku: 'b' }],
    tags: ['vip', 'eu'],
    'odd key': 'yes',
    flag: true,
    nothing: null,
  },
  key: 'order-1',
  headers: { source: 'web' },
  timestamp: 1_700_000_000_000,
  origin: 'orders/2@1234',
};

function run(source: string, input: LockstepRecord = record): unknown {
  return compileExpression(source, site).evaluate(input);
}

function syntaxError(source: string): LockstepError {
  try {
    compileExpression(source, site);
  } catch (error) {
    if (error instanceof LockstepError) return error;
    throw error;
  }
  throw new Error(`expected a syntax error for ${source}`);
}

function runtimeError(source: string, input: LockstepRecord = record): RecordError {
  try {
    run(source, input);
  } catch (error) {
    if (error instanceof RecordError) return error;
    throw error;
  }
  throw new Error(`expected a record error for ${source}`);
}

describe('expression field paths', () => {
  it.each([
    ['value.amount', 120],
    ['value.customer.id', 'c-7'],
    ['value["odd key"]', 'yes'],
    ["value['customer']['tier']", 'gold'],
    ['value.items[1].sku', 'b'],
    ['value.items[0 + 1].sku', 'b'],
    ['key', 'order-1'],
    ['headers.source', 'web'],
    ['timestamp', 1_700_000_000_000],
    ['value.tags', ['vip', 'eu']],
  ])('%s reads %j', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });

  it.each([
    'value.missing',
    'value.missing.deeper.still',
    'value.nothing.x',
    'value.items[5]',
    'value.items[-1]',
    'headers.absent',
    'value.constructor',
    'value.__proto__',
    'value.toString',
  ])('%s reads null (missing fields, no prototype access)', (source) => {
    expect(run(source)).toBeNull();
  });

  it('reads missing key, headers and timestamp as null', () => {
    const bare = { value: 1 };
    expect(run('key', bare)).toBeNull();
    expect(run('headers', bare)).toBeNull();
    expect(run('headers.x', bare)).toBeNull();
    expect(run('timestamp', bare)).toBeNull();
  });

  it('accepts keywords as field names after a dot', () => {
    expect(run('value.in', { value: { in: 1 } })).toBe(1);
    expect(run('value.null', { value: { null: 2 } })).toBe(2);
  });

  it('refuses to read a field of a string, a list or bytes', () => {
    expect(runtimeError('value.status.length').message).toContain("cannot read field 'length' of a string");
    expect(runtimeError('value.items.sku').message).toContain('of a list; use [index] or length()');
    expect(runtimeError('value.x', { value: Buffer.from('{}') }).message).toContain('parse it first');
    expect(runtimeError('value.items[0.5]').message).toContain('not an integer');
  });
});

describe('expression operators', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['24 / 4 / 2', 3],
    ['2 * 3 % 4', 2],
    ['-2 * 3', -6],
    ['- -2', 2],
    ['7 % 3', 1],
    ['1.5e2 + 0.5', 150.5],
    ["'a' + 'b'", 'ab'],
    ["'n=' + 1", 'n=1'],
    ["1 + '!'", '1!'],
    ["'ok: ' + true", 'ok: true'],
  ])('%s = %j', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });

  it.each([
    ['1 == 1', true],
    ["1 == '1'", false],
    ['null == null', true],
    ['value.missing == null', true],
    ['value.missing != null', false],
    ["value.tags == ['vip', 'eu']", true],
    ["value.customer == {}", 'syntax'],
    ['2 < 3', true],
    ['3 <= 3', true],
    ['3 > 3', false],
    ['3 >= 3', true],
    ["'apple' < 'banana'", true],
    ["'paid' in ['paid', 'shipped']", true],
    ["'open' in ['paid', 'shipped']", false],
    ["'open' not in ['paid', 'shipped']", true],
    ["'vip' in value.tags", true],
    ['[1, 2] in [[1, 2], [3]]', true],
    ['true && false', false],
    ['true || false', true],
    ['true and true', true],
    ['false or true', true],
    ['!true', false],
    ['not false', true],
  ])('%s gives %j', (source, expected) => {
    if (expected === 'syntax') expect(syntaxError(source).code).toBe('LS_EXPRESSION_SYNTAX');
    else expect(run(source)).toBe(expected);
  });

  it('binds && tighter than ||, and comparisons tighter than both', () => {
    expect(run('true || true && false')).toBe(true);
    expect(run('(true || true) && false')).toBe(false);
    expect(run("value.amount > 100 && value.status == 'paid' || false")).toBe(true);
  });

  it("gives 'not' a whole comparison, like Python, which agrees with JavaScript's '!' for booleans", () => {
    expect(run('not value.amount == 120')).toBe(false);
    expect(run('!value.amount == 121')).toBe(true);
    expect(run('not true && false')).toBe(false);
    expect(run("not 'x' in ['x']")).toBe(false);
    expect(run('not not true')).toBe(true);
    expect(run('true == (not false)')).toBe(true);
  });

  it('short-circuits && and || so guarded comparisons never see null', () => {
    expect(run('value.missing != null && value.missing > 1')).toBe(false);
    expect(run('value.missing == null || value.missing > 1')).toBe(true);
  });

  it('builds lists from expressions', () => {
    expect(run('[value.amount, key, null, [1]]')).toEqual([120, 'order-1', null, [1]]);
    expect(run('[]')).toEqual([]);
  });
});

describe('expression runtime errors', () => {
  it('names the transform, option, expression, column and origin, with the record attached', () => {
    const error = runtimeError("'a' * 2");
    expect(error).toBeInstanceOf(RecordError);
    expect(error.code).toBe('LS_EXPRESSION_TYPE');
    expect(error.record).toBe(record);
    expect(error.context).toEqual({ origin: 'orders/2@1234', field: 'where' });
    expect(error.retriable).toBe(false);
    expect(error.message).toBe(
      "transform 'check' option 'where': cannot apply '*' to a string and a number at column 5 of `'a' * 2` " +
        '(record orders/2@1234)',
    );
  });

  it.each([
    ['value.missing + 1', 'cannot add null and a number (missing fields read as null; coalesce() gives a default)'],
    ['value.missing * 2', "cannot apply '*' to null and a number"],
    ['value.amount > value.missing', "cannot compare a number with null using '>'"],
    ["value.amount < 'x'", "cannot compare a number with a string using '<'"],
    ['true < false', "cannot compare a boolean with a boolean using '<'"],
    ['-value.status', 'cannot negate a string'],
    ['value.amount && true', "'&&' expects true or false but got a number"],
    ['not value.missing', "'not' expects true or false but got null"],
    ["'x' in value.status", "'in' expects a list on its right but got a string"],
    ['value.tags + 1', 'cannot add a list and a number'],
    ["'a' + null", 'cannot add a string and null'],
  ])('%s is a type error: %s', (source, message) => {
    const error = runtimeError(source);
    expect(error.code).toBe('LS_EXPRESSION_TYPE');
    expect(error.message).toContain(message);
  });

  it.each([
    ['1 / 0', 'division by zero at column 3'],
    ['5 % 0', 'division by zero at column 3'],
    ['1e308 * 10', 'multiplication does not give a finite number'],
  ])('%s is an arithmetic error', (source, message) => {
    const error = runtimeError(source);
    expect(error.code).toBe('LS_EXPRESSION_ARITHMETIC');
    expect(error.message).toContain(message);
  });

  it('points at the failing sub-expression, not the whole expression', () => {
    expect(runtimeError("value.amount > 1 && lower(value.amount) == 'x'").message).toContain('at column 21');
  });

  it('says when the origin is unknown', () => {
    expect(runtimeError('value + 1', { value: null }).message).toContain('(record of unknown origin)');
  });
});

describe('expression syntax errors', () => {
  it('is a config-time LockstepError with the column and a caret', () => {
    const error = syntaxError('value.amount > ');
    expect(error).not.toBeInstanceOf(RecordError);
    expect(error.code).toBe('LS_EXPRESSION_SYNTAX');
    expect(error.context).toEqual({ component: 'check', option: 'where', column: 16, expression: 'value.amount > ' });
    expect(error.message).toBe(
      "transform 'check' option 'where': expected a value but found the end of the expression at column 16\n" +
        '  value.amount > \n' +
        '                 ^',
    );
  });

  it.each([
    ['(1 + 2', 7, "expected ')' but found the end of the expression"],
    ['value.a = 1', 9, "unexpected '='; use '==' to compare"],
    ['value.a & 1', 9, "unexpected '&'; use '&&' or 'and'"],
    ['value.a | 1', 9, "unexpected '|'; use '||' or 'or'"],
    ['1 < 2 < 3', 7, 'comparisons cannot be chained'],
    ['1 == 1 != true', 8, 'comparisons cannot be chained'],
    ['amount > 1', 1, "unknown name 'amount'; field paths start with value"],
    ['value.status == paid', 17, "unknown name 'paid'"],
    ['sqrt(4)', 1, "unknown function 'sqrt'"],
    ['toString()', 1, 'toString() takes 1 argument but got 0'],
    ['round(1, 2, 3)', 1, 'round() takes 1 to 2 arguments but got 3'],
    ['concat()', 1, 'concat() takes at least 1 argument but got 0'],
    ["'abc", 1, 'unterminated string'],
    ["'a\\qb'", 3, "unknown escape '\\q'"],
    ["'\\u12'", 2, 'invalid \\u escape'],
    ['12abc', 1, "malformed number '12abc'"],
    ['value.', 7, "expected a field name after '.'"],
    ['value.items.0', 13, 'use [0] for list items'],
    ['value.a not 1', 9, "did you mean 'not in'?"],
    ['[1, 2', 6, "expected ',' or ']'"],
    ['value.a and', 12, 'expected a value'],
    ['in', 1, "expected a value but found 'in'"],
    ['1 # 2', 3, "unexpected character '#'"],
    ['value.a == not value.b', 12, "'not' needs parentheses here: (not …)"],
    ['1 + !true', 5, "'!' needs parentheses here: (! …)"],
    ['-not true', 2, "'not' needs parentheses here"],
    ['', 1, 'expected a value but found the end of the expression'],
  ])('%j fails at column %d: %s', (source, column, message) => {
    const error = syntaxError(source);
    expect(error.code).toBe('LS_EXPRESSION_SYNTAX');
    expect(error.context['column']).toBe(column);
    expect(error.message).toContain(message);
  });
});

describe('expression literals', () => {
  it.each([
    ['42', 42],
    ['3.25', 3.25],
    ['2e3', 2000],
    ["'single'", 'single'],
    ['"double"', 'double'],
    ["'it\\'s'", "it's"],
    ['"say \\"hi\\""', 'say "hi"'],
    ["'tab\\tnew\\nline\\\\'", 'tab\tnew\nline\\'],
    ["'\\u00e9'", 'é'],
    ['true', true],
    ['false', false],
    ['null', null],
  ])('%s is %j', (source, expected) => {
    expect(run(source)).toBe(expected);
  });

  it('is deterministic: the same record gives the same result on replay', () => {
    const expression = compileExpression("concat(key, '-', value.amount * 2)", site);
    expect(expression.evaluate(record)).toBe('order-1-240');
    expect(expression.evaluate(record)).toBe('order-1-240');
  });
});
