/**
 * Raised while evaluating (type mismatch, division by zero…); `CompiledExpression` turns it into a `RecordError`
 * naming the transform, the expression and the record. Internal to the expression module.
 */
export class EvaluationProblem extends Error {
  constructor(
    message: string,
    readonly code: 'LS_EXPRESSION_TYPE' | 'LS_EXPRESSION_ARITHMETIC',
    /** Column of the operator or call that failed; filled in by the evaluator when a function raised it. */
    readonly column?: number,
  ) {
    super(message);
    this.name = 'EvaluationProblem';
  }
}

/** Throws a type problem; a helper so call sites stay one line. */
export function typeProblem(message: string): never {
  throw new EvaluationProblem(message, 'LS_EXPRESSION_TYPE');
}

/**
 * True for objects made by JSON.parse or object literals: the only objects whose fields expressions may read. Checks
 * the shape of the prototype chain rather than `Object.prototype` identity, so objects from another realm (a user
 * module loaded outside a test sandbox, a `vm` context) count too; class instances, Buffers and Dates do not.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === null) return true;
  return Object.getPrototypeOf(prototype) === null && Object.prototype.toString.call(value) === '[object Object]';
}

/** The type name used in error messages, in the language's own words (`list`, not `array`). */
export function describeType(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return `a ${typeof value}`;
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Uint8Array) return 'bytes';
  if (isPlainObject(value)) return 'an object';
  return `an unsupported value (${typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value})`;
}

/**
 * Structural equality for `==`, `in` and `contains`: no type coercion (`1 == '1'` is false), lists and plain objects
 * compare by content, anything else by identity. `undefined` counts as `null` (missing fields read as null).
 */
export function deepEqual(left: unknown, right: unknown): boolean {
  const a = left ?? null;
  const b = right ?? null;
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]))
    );
  }
  return false;
}

/** A hint for messages about null operands: usually a missing field, which the user may not expect to read as null. */
export function nullHint(...values: readonly unknown[]): string {
  return values.some((value) => value === null || value === undefined)
    ? ' (missing fields read as null; coalesce() gives a default)'
    : '';
}

/** Arithmetic results must stay finite: Infinity and NaN cannot be written as JSON and hide bad data. */
export function finite(result: number, operation: string): number {
  if (!Number.isFinite(result)) {
    throw new EvaluationProblem(`${operation} does not give a finite number`, 'LS_EXPRESSION_ARITHMETIC');
  }
  return result;
}
