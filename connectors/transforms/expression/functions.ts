import { EvaluationProblem, deepEqual, describeType, finite, isPlainObject, typeProblem } from './values';

/** A built-in function: its arity (checked when the expression is compiled) and its implementation. */
export interface ExpressionFunction {
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Arguments arrive evaluated; `undefined` never occurs (the evaluator reads missing fields as null). */
  apply(args: readonly unknown[]): unknown;
}

/**
 * The built-ins. Null in the first argument gives null (SQL-style), so `lower(value.email)` on a record without an
 * email stays null instead of failing; any other wrong type is an error. `coalesce` is evaluated lazily by the
 * evaluator, so its entry here only serves the arity check and direct calls.
 *
 * There is deliberately no `now()`: a replayed record would get a different value than in the aborted attempt, which
 * breaks determinism for idempotent (upsert) sinks and keys. Use the record's `timestamp` instead.
 */
export const FUNCTIONS: Readonly<Record<string, ExpressionFunction>> = {
  lower: unary((value) => expectString(value, 'lower').toLowerCase()),
  upper: unary((value) => expectString(value, 'upper').toUpperCase()),
  length: unary(length),
  round: { minArgs: 1, maxArgs: 2, apply: ([value, digits]) => nullOr(value, (number) => round(number, digits)) },
  floor: unary((value) => Math.floor(expectNumber(value, 'floor'))),
  abs: unary((value) => Math.abs(expectNumber(value, 'abs'))),
  contains: { minArgs: 2, maxArgs: 2, apply: ([haystack, needle]) => nullOr(haystack, (h) => contains(h, needle)) },
  startsWith: {
    minArgs: 2,
    maxArgs: 2,
    apply: ([value, prefix]) =>
      nullOr(value, (text) => expectString(text, 'startsWith').startsWith(expectString(prefix, 'startsWith'))),
  },
  toString: unary(toText),
  toNumber: unary(toNumber),
  parseJson: unary(parseJson),
  concat: { minArgs: 1, maxArgs: Infinity, apply: (args) => args.map(concatPart).join('') },
  coalesce: { minArgs: 1, maxArgs: Infinity, apply: (args) => args.find((arg) => arg !== null) ?? null },
};

/** True when `name` is a built-in function; `Object.hasOwn` keeps `toString`-style prototype names honest. */
export function isFunctionName(name: string): boolean {
  return Object.hasOwn(FUNCTIONS, name);
}

function unary(apply: (value: unknown) => unknown): ExpressionFunction {
  return { minArgs: 1, maxArgs: 1, apply: ([value]) => nullOr(value, apply) };
}

function nullOr(value: unknown, apply: (value: unknown) => unknown): unknown {
  return value === null || value === undefined ? null : apply(value);
}

function expectString(value: unknown, name: string): string {
  return typeof value === 'string' ? value : typeProblem(`${name}() expects a string but got ${describeType(value)}`);
}

function expectNumber(value: unknown, name: string): number {
  return typeof value === 'number' ? value : typeProblem(`${name}() expects a number but got ${describeType(value)}`);
}

/** JSON text (e.g. a json/jsonb column, which the Postgres sources give as its text) as the value it holds. */
function parseJson(value: unknown): unknown {
  const text = expectString(value, 'parseJson');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    return typeProblem(`parseJson() expects JSON text: ${(error as Error).message}`);
  }
}

/** Characters (Unicode code points) of a string, items of a list, fields of an object. */
function length(value: unknown): number {
  if (typeof value === 'string') return [...value].length;
  if (Array.isArray(value)) return value.length;
  if (isPlainObject(value)) return Object.keys(value).length;
  return typeProblem(`length() expects a string, list or object but got ${describeType(value)}`);
}

/** Half away from zero (`round(-2.5)` is -3), decimal-exact for short inputs (`round(1.005, 2)` is 1.01). */
function round(value: unknown, digits: unknown): number {
  const number = expectNumber(value, 'round');
  const places = digits === undefined ? 0 : expectNumber(digits, 'round');
  if (!Number.isInteger(places) || places < -15 || places > 15) {
    return typeProblem(`round() expects an integer number of digits between -15 and 15 but got ${places}`);
  }
  const rounded = Math.round(shiftDecimal(Math.abs(number), places));
  // Dividing by an exact power of ten is correctly rounded, so 101 / 100 is the double nearest to 1.01.
  const result = places >= 0 ? rounded / 10 ** places : rounded * 10 ** -places;
  return finite(Math.sign(number) * result, 'round()') || 0; // `|| 0` turns -0 into 0
}

/** `value × 10^places` via the decimal text where possible: 1.005 * 100 is 100.4999…, Number('1.005e2') is 100.5. */
function shiftDecimal(value: number, places: number): number {
  const text = String(value);
  if (places < 0) return value / 10 ** -places;
  return text.includes('e') ? value * 10 ** places : Number(`${text}e${places}`);
}

function contains(haystack: unknown, needle: unknown): boolean {
  if (typeof haystack === 'string') return haystack.includes(expectString(needle, 'contains'));
  if (Array.isArray(haystack)) return haystack.some((item) => deepEqual(item, needle));
  return typeProblem(`contains() expects a string or list but got ${describeType(haystack)}`);
}

function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) || isPlainObject(value)) return JSON.stringify(value);
  return typeProblem(`toString() cannot convert ${describeType(value)}`);
}

// JSON's number syntax plus an optional leading '+' and a leading '.', after trimming; no hex, no '' → 0.
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NUMERIC.test(value.trim())) return finite(Number(value.trim()), 'toNumber()');
  if (typeof value === 'string') {
    throw new EvaluationProblem(`toNumber() cannot convert '${excerpt(value)}' to a number`, 'LS_EXPRESSION_TYPE');
  }
  return typeProblem(`toNumber() expects a string or number but got ${describeType(value)}`);
}

/** Null counts as '' so concat() can join optional parts, unlike `+`, which refuses null. */
function concatPart(value: unknown): string {
  if (value === null) return '';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeProblem(`concat() expects strings, numbers or booleans but got ${describeType(value)}`);
}

function excerpt(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
