import { SyntaxProblem } from './syntax-error';

/** Kinds of tokens; keywords (`and`, `in`, `true`…) arrive as `identifier` and the parser decides what they mean. */
export type TokenKind = 'number' | 'string' | 'identifier' | 'operator' | 'punctuation' | 'end';

/** One token with its 1-based start column, so every later error can point into the source. */
export interface Token {
  readonly kind: TokenKind;
  /** The source text (for strings: the decoded content, without quotes). */
  readonly text: string;
  readonly column: number;
  /** Numbers only: the parsed value. */
  readonly number?: number;
}

// Longest first, so `<=` wins over `<`.
const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '+', '-', '*', '/', '%'] as const;
const PUNCTUATION = new Set(['(', ')', '[', ']', ',', '.']);
const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  '0': '\0',
  '\\': '\\',
  "'": "'",
  '"': '"',
};

const IDENTIFIER_START = /[A-Za-z_$]/;
const IDENTIFIER_PART = /[A-Za-z0-9_$]/;
// A leading digit is required: `.5` would make `value.5` ambiguous.
const NUMBER = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/;

/** Splits an expression or field path into tokens, ending with one `end` token. Throws `SyntaxProblem`. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source.charAt(index);
    if (/\s/.test(char)) {
      index += 1;
      continue;
    }
    const token = readToken(source, index);
    tokens.push(token.token);
    index = token.next;
  }
  tokens.push({ kind: 'end', text: 'end of expression', column: source.length + 1 });
  return tokens;
}

function readToken(source: string, index: number): { token: Token; next: number } {
  const char = source.charAt(index);
  const column = index + 1;
  if (char === "'" || char === '"') return readString(source, index);
  const number = NUMBER.exec(source.slice(index));
  if (number) {
    const text = number[0];
    if (IDENTIFIER_START.test(source.charAt(index + text.length))) {
      throw new SyntaxProblem(`malformed number '${source.slice(index, identifierEnd(source, index))}'`, column);
    }
    return { token: { kind: 'number', text, column, number: Number(text) }, next: index + text.length };
  }
  if (IDENTIFIER_START.test(char)) {
    const end = identifierEnd(source, index);
    return { token: { kind: 'identifier', text: source.slice(index, end), column }, next: end };
  }
  const operator = OPERATORS.find((candidate) => source.startsWith(candidate, index));
  if (operator) return { token: { kind: 'operator', text: operator, column }, next: index + operator.length };
  if (PUNCTUATION.has(char)) return { token: { kind: 'punctuation', text: char, column }, next: index + 1 };
  throw new SyntaxProblem(unexpectedCharacterMessage(char), column);
}

function identifierEnd(source: string, start: number): number {
  let end = start + 1;
  while (end < source.length && IDENTIFIER_PART.test(source.charAt(end))) end += 1;
  return end;
}

function unexpectedCharacterMessage(char: string): string {
  if (char === '=') return "unexpected '='; use '==' to compare";
  if (char === '&') return "unexpected '&'; use '&&' or 'and'";
  if (char === '|') return "unexpected '|'; use '||' or 'or'";
  return `unexpected character '${char}'`;
}

function readString(source: string, start: number): { token: Token; next: number } {
  const quote = source.charAt(start);
  let text = '';
  let index = start + 1;
  while (index < source.length) {
    const char = source.charAt(index);
    if (char === quote) return { token: { kind: 'string', text, column: start + 1 }, next: index + 1 };
    if (char === '\\') {
      const escaped = readEscape(source, index);
      text += escaped.text;
      index = escaped.next;
      continue;
    }
    text += char;
    index += 1;
  }
  throw new SyntaxProblem(`unterminated string (missing closing ${quote})`, start + 1);
}

function readEscape(source: string, backslash: number): { text: string; next: number } {
  const letter = source.charAt(backslash + 1);
  if (letter === 'u') {
    const hex = source.slice(backslash + 2, backslash + 6);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
      throw new SyntaxProblem('invalid \\u escape (expected 4 hex digits)', backslash + 1);
    }
    return { text: String.fromCharCode(parseInt(hex, 16)), next: backslash + 6 };
  }
  const text = ESCAPES[letter];
  if (text === undefined) {
    throw new SyntaxProblem(letter === '' ? 'unterminated string' : `unknown escape '\\${letter}'`, backslash + 1);
  }
  return { text, next: backslash + 2 };
}
