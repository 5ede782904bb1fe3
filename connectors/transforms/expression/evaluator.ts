import type { LockstepRecord } from '../../../core/sdk';
import type { BinaryOperator, ExpressionNode, RootName } from './ast';
import { FUNCTIONS } from './functions';
import { EvaluationProblem, deepEqual, describeType, finite, isPlainObject, nullHint, typeProblem } from './values';

/**
 * Evaluates a parsed expression against one record. Missing fields, headers, keys and timestamps read as `null`.
 * Throws `EvaluationProblem` (with the column of the failing node) on type errors and bad arithmetic.
 */
export function evaluate(node: ExpressionNode, record: LockstepRecord): unknown {
  try {
    return evaluateNode(node, record);
  } catch (error) {
    if (error instanceof EvaluationProblem && error.column === undefined) {
      throw new EvaluationProblem(error.message, error.code, node.column);
    }
    throw error;
  }
}

function evaluateNode(node: ExpressionNode, record: LockstepRecord): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'list':
      return node.items.map((item) => evaluate(item, record));
    case 'root':
      return readRoot(record, node.name);
    case 'member': {
      const object = evaluate(node.object, record);
      const property = typeof node.property === 'string' ? node.property : evaluate(node.property, record);
      return readMember(object, property);
    }
    case 'negate':
      return -expectNumber(evaluate(node.operand, record), 'negate');
    case 'not':
      return !expectBoolean(evaluate(node.operand, record), "'not'");
    case 'logical': {
      // Short-circuit, so `value.n != null && value.n > 0` never compares null.
      const left = expectBoolean(evaluate(node.left, record), `'${node.operator}'`);
      if (node.operator === '&&' ? !left : left) return left;
      return expectBoolean(evaluate(node.right, record), `'${node.operator}'`);
    }
    case 'binary':
      return applyBinary(node.operator, evaluate(node.left, record), evaluate(node.right, record));
    case 'call':
      return call(node.name, node.args, record);
  }
}

function readRoot(record: LockstepRecord, name: RootName): unknown {
  return record[name] ?? null;
}

/** Own fields only: `value.constructor` or `value.__proto__` must not reach JavaScript internals. */
function readMember(object: unknown, property: unknown): unknown {
  if (object === null || object === undefined) return null;
  if (Array.isArray(object)) {
    if (typeof property !== 'number') {
      return typeProblem(`cannot read field ${quote(property)} of a list; use [index] or length()`);
    }
    if (!Number.isInteger(property)) return typeProblem(`list index ${property} is not an integer`);
    return object[property] ?? null;
  }
  if (isPlainObject(object)) {
    if (typeof property !== 'string' && typeof property !== 'number') {
      return typeProblem(`field names are strings or numbers, not ${describeType(property)}`);
    }
    const name = String(property);
    return Object.hasOwn(object, name) ? (object[name] ?? null) : null;
  }
  const hint = object instanceof Uint8Array ? ' (parse it first, e.g. with the json transform)' : '';
  return typeProblem(`cannot read field ${quote(property)} of ${describeType(object)}${hint}`);
}

function call(name: string, args: readonly ExpressionNode[], record: LockstepRecord): unknown {
  if (name === 'coalesce') {
    // Lazy: later arguments are only evaluated (and can only fail) when the earlier ones are null.
    for (const arg of args) {
      const value = evaluate(arg, record);
      if (value !== null) return value;
    }
    return null;
  }
  const fn = FUNCTIONS[name];
  if (fn === undefined) return typeProblem(`unknown function '${name}'`); // the parser already refuses these
  return fn.apply(args.map((arg) => evaluate(arg, record)));
}

function applyBinary(operator: BinaryOperator, left: unknown, right: unknown): unknown {
  switch (operator) {
    case '==':
      return deepEqual(left, right);
    case '!=':
      return !deepEqual(left, right);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compare(operator, left, right);
    case 'in':
      return expectList(right, operator).some((item) => deepEqual(left, item));
    case 'not in':
      return !expectList(right, operator).some((item) => deepEqual(left, item));
    case '+':
      return add(left, right);
    default:
      return arithmetic(operator, left, right);
  }
}

function compare(operator: '<' | '<=' | '>' | '>=', left: unknown, right: unknown): boolean {
  const comparable =
    (typeof left === 'number' && typeof right === 'number') || (typeof left === 'string' && typeof right === 'string');
  if (!comparable) {
    const types = `${describeType(left)} with ${describeType(right)}`;
    return typeProblem(`cannot compare ${types} using '${operator}'${nullHint(left, right)}`);
  }
  const a = left as number | string;
  const b = right as number | string;
  if (operator === '<') return a < b;
  if (operator === '<=') return a <= b;
  if (operator === '>') return a > b;
  return a >= b;
}

/** Numbers add; a string joined with a string, number or boolean concatenates. Null is refused (a missing field). */
function add(left: unknown, right: unknown): unknown {
  if (typeof left === 'number' && typeof right === 'number') return finite(left + right, 'addition');
  if ((typeof left === 'string' && isScalar(right)) || (typeof right === 'string' && isScalar(left))) {
    return String(left) + String(right);
  }
  return typeProblem(`cannot add ${describeType(left)} and ${describeType(right)}${nullHint(left, right)}`);
}

function arithmetic(operator: '-' | '*' | '/' | '%', left: unknown, right: unknown): number {
  if (typeof left !== 'number' || typeof right !== 'number') {
    const types = `${describeType(left)} and ${describeType(right)}`;
    return typeProblem(`cannot apply '${operator}' to ${types}${nullHint(left, right)}`);
  }
  if ((operator === '/' || operator === '%') && right === 0) {
    throw new EvaluationProblem(`division by zero`, 'LS_EXPRESSION_ARITHMETIC');
  }
  if (operator === '-') return finite(left - right, 'subtraction');
  if (operator === '*') return finite(left * right, 'multiplication');
  if (operator === '/') return finite(left / right, 'division');
  return left % right;
}

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function expectNumber(value: unknown, what: string): number {
  return typeof value === 'number' ? value : typeProblem(`cannot ${what} ${describeType(value)}${nullHint(value)}`);
}

function expectBoolean(value: unknown, operator: string): boolean {
  if (typeof value === 'boolean') return value;
  return typeProblem(`${operator} expects true or false but got ${describeType(value)}${nullHint(value)}`);
}

function expectList(value: unknown, operator: string): readonly unknown[] {
  if (Array.isArray(value)) return value;
  return typeProblem(`'${operator}' expects a list on its right but got ${describeType(value)}${nullHint(value)}`);
}

function quote(property: unknown): string {
  return typeof property === 'string' ? `'${property}'` : String(property);
}
