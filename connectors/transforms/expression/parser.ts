import type { BinaryOperator, ExpressionNode, LogicalOperator, RootName } from './ast';
import { FUNCTIONS, isFunctionName } from './functions';
import { SyntaxProblem } from './syntax-error';
import { tokenize } from './tokenizer';
import type { Token } from './tokenizer';

// Binding powers, loosest first. `not`/`!` take a whole comparison as operand (like Python's `not`), so
// `not value.a == 1` means `not (value.a == 1)`; for boolean operands this agrees with JavaScript's `!`.
const OR = 1;
const AND = 2;
const COMPARISON = 3;
const ADDITIVE = 4;
const MULTIPLICATIVE = 5;

const ROOTS: ReadonlySet<string> = new Set<RootName>(['value', 'key', 'headers', 'timestamp']);
const KEYWORDS: ReadonlySet<string> = new Set(['and', 'or', 'not', 'in', 'true', 'false', 'null']);

interface Infix {
  readonly operator: BinaryOperator | LogicalOperator;
  readonly power: number;
  /** `not in` spans two tokens. */
  readonly tokens: number;
}

/** Parses an expression into its syntax tree. Throws `SyntaxProblem` with the column of the offending token. */
export function parseExpression(source: string): ExpressionNode {
  return new ExpressionParser(tokenize(source)).parseAll();
}

/** A Pratt parser for infix operators, recursive descent for everything else. One instance per expression. */
class ExpressionParser {
  private index = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parseAll(): ExpressionNode {
    const node = this.expression(0);
    const next = this.peek();
    if (next.kind !== 'end') {
      const hint = next.text === 'not' ? " (did you mean 'not in'?)" : '';
      throw new SyntaxProblem(`expected an operator or the end but found ${describe(next)}${hint}`, next.column);
    }
    return node;
  }

  private expression(minPower: number): ExpressionNode {
    let left = this.unary(minPower);
    let comparison = false;
    for (;;) {
      const infix = this.infix();
      if (infix === undefined || infix.power <= minPower) return left;
      const token = this.peek();
      if (comparison && infix.power === COMPARISON) {
        throw new SyntaxProblem("comparisons cannot be chained; combine them with '&&'", token.column);
      }
      this.index += infix.tokens;
      const right = this.expression(infix.power);
      left = toNode(infix.operator, left, right, token.column);
      comparison = infix.power === COMPARISON;
    }
  }

  /** A prefix expression; `not` only where a whole comparison may stand (`a == not b` would be ambiguous). */
  private unary(minPower: number): ExpressionNode {
    const token = this.peek();
    if (token.text === '-' && token.kind === 'operator') {
      this.index += 1;
      return { kind: 'negate', operand: this.unary(MULTIPLICATIVE), column: token.column };
    }
    if ((token.text === '!' && token.kind === 'operator') || (token.text === 'not' && token.kind === 'identifier')) {
      if (minPower >= COMPARISON) {
        throw new SyntaxProblem(`'${token.text}' needs parentheses here: (${token.text} …)`, token.column);
      }
      this.index += 1;
      return { kind: 'not', operand: this.expression(AND), column: token.column };
    }
    return this.postfix(this.primary());
  }

  private postfix(node: ExpressionNode): ExpressionNode {
    let object = node;
    for (;;) {
      const token = this.peek();
      if (isPunctuation(token, '.')) {
        this.index += 1;
        object = { kind: 'member', object, property: this.fieldName(), column: token.column };
      } else if (isPunctuation(token, '[')) {
        this.index += 1;
        const property = this.expression(0);
        this.expect(']');
        object = { kind: 'member', object, property, column: token.column };
      } else {
        return object;
      }
    }
  }

  private fieldName(): string {
    const token = this.next();
    if (token.kind === 'identifier') return token.text; // keywords too: `value.in` is a field called "in"
    const hint = token.kind === 'number' ? `; use [${token.text}] for list items` : '';
    throw new SyntaxProblem(`expected a field name after '.' but found ${describe(token)}${hint}`, token.column);
  }

  private primary(): ExpressionNode {
    const token = this.next();
    const { column } = token;
    if (token.kind === 'number') return { kind: 'literal', value: token.number ?? Number(token.text), column };
    if (token.kind === 'string') return { kind: 'literal', value: token.text, column };
    if (token.kind === 'identifier') return this.identifier(token);
    if (isPunctuation(token, '(')) {
      const inner = this.expression(0);
      this.expect(')');
      return inner;
    }
    if (isPunctuation(token, '[')) return { kind: 'list', items: this.arguments(']'), column };
    throw new SyntaxProblem(`expected a value but found ${describe(token)}`, column);
  }

  private identifier(token: Token): ExpressionNode {
    const { text, column } = token;
    if (text === 'true' || text === 'false') return { kind: 'literal', value: text === 'true', column };
    if (text === 'null') return { kind: 'literal', value: null, column };
    if (isPunctuation(this.peek(), '(')) {
      this.index += 1;
      return this.call(text, column);
    }
    if (ROOTS.has(text)) return { kind: 'root', name: text as RootName, column };
    if (KEYWORDS.has(text)) throw new SyntaxProblem(`expected a value but found '${text}'`, column);
    throw new SyntaxProblem(
      `unknown name '${text}'; field paths start with value, key, headers or timestamp, and strings need quotes`,
      column,
    );
  }

  private call(name: string, column: number): ExpressionNode {
    if (!isFunctionName(name)) throw new SyntaxProblem(`unknown function '${name}'`, column);
    const args = this.arguments(')');
    const { minArgs, maxArgs } = FUNCTIONS[name] ?? { minArgs: 0, maxArgs: 0 };
    if (args.length < minArgs || args.length > maxArgs) {
      throw new SyntaxProblem(`${name}() takes ${arity(minArgs, maxArgs)} but got ${args.length}`, column);
    }
    return { kind: 'call', name, args, column };
  }

  /** Comma-separated expressions up to `close`, which is consumed; the opening token already is. */
  private arguments(close: ')' | ']'): ExpressionNode[] {
    const items: ExpressionNode[] = [];
    if (isPunctuation(this.peek(), close)) {
      this.index += 1;
      return items;
    }
    for (;;) {
      items.push(this.expression(0));
      const token = this.next();
      if (isPunctuation(token, close)) return items;
      if (!isPunctuation(token, ',')) {
        throw new SyntaxProblem(`expected ',' or '${close}' but found ${describe(token)}`, token.column);
      }
    }
  }

  private infix(): Infix | undefined {
    const token = this.peek();
    if (token.kind === 'operator') return OPERATOR_INFIX[token.text];
    if (token.kind !== 'identifier') return undefined;
    if (token.text === 'or') return { operator: '||', power: OR, tokens: 1 };
    if (token.text === 'and') return { operator: '&&', power: AND, tokens: 1 };
    if (token.text === 'in') return { operator: 'in', power: COMPARISON, tokens: 1 };
    const after = this.tokens[this.index + 1];
    if (token.text === 'not' && after?.kind === 'identifier' && after.text === 'in') {
      return { operator: 'not in', power: COMPARISON, tokens: 2 };
    }
    return undefined;
  }

  private expect(text: ')' | ']'): void {
    const token = this.next();
    if (!isPunctuation(token, text)) {
      throw new SyntaxProblem(`expected '${text}' but found ${describe(token)}`, token.column);
    }
  }

  private peek(): Token {
    // The tokenizer always ends with an `end` token and nothing advances past it.
    return this.tokens[Math.min(this.index, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index += 1;
    return token;
  }
}

const OPERATOR_INFIX: Readonly<Record<string, Infix>> = {
  '||': { operator: '||', power: OR, tokens: 1 },
  '&&': { operator: '&&', power: AND, tokens: 1 },
  ...Object.fromEntries(
    (['==', '!=', '<', '<=', '>', '>='] as const).map((op) => [op, { operator: op, power: COMPARISON, tokens: 1 }]),
  ),
  '+': { operator: '+', power: ADDITIVE, tokens: 1 },
  '-': { operator: '-', power: ADDITIVE, tokens: 1 },
  '*': { operator: '*', power: MULTIPLICATIVE, tokens: 1 },
  '/': { operator: '/', power: MULTIPLICATIVE, tokens: 1 },
  '%': { operator: '%', power: MULTIPLICATIVE, tokens: 1 },
};

function toNode(
  operator: BinaryOperator | LogicalOperator,
  left: ExpressionNode,
  right: ExpressionNode,
  column: number,
): ExpressionNode {
  if (operator === '&&' || operator === '||') return { kind: 'logical', operator, left, right, column };
  return { kind: 'binary', operator, left, right, column };
}

function isPunctuation(token: Token, text: string): boolean {
  return token.kind === 'punctuation' && token.text === text;
}

function describe(token: Token): string {
  if (token.kind === 'end') return 'the end of the expression';
  if (token.kind === 'string') return `the string '${token.text}'`;
  return `'${token.text}'`;
}

function arity(min: number, max: number): string {
  const plural = (n: number): string => `${n} argument${n === 1 ? '' : 's'}`;
  if (max === Infinity) return `at least ${plural(min)}`;
  return min === max ? plural(min) : `${min} to ${plural(max)}`;
}
