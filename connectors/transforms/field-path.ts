import { SyntaxProblem, toSyntaxError } from './expression/syntax-error';
import type { ExpressionSite } from './expression/syntax-error';
import { tokenize } from './expression/tokenizer';
import type { Token } from './expression/tokenizer';

/**
 * A path to a field inside a record's value, as written in the `map` transform's `set` keys and `remove` list:
 * `total`, `customer.id`, `["odd key"].x`, `meta['content-type']`. Paths are relative to the value (no `value.`
 * prefix) and name object fields only (no list indexes), so writing through one never has to grow a list.
 */
export class FieldPath {
  private constructor(
    /** The path as written. */
    readonly text: string,
    /** Field names from the value's top level down; never empty. */
    readonly segments: readonly string[],
  ) {}

  /** Parses `text`; a malformed path is a config-time `LockstepError` `LS_TRANSFORM_MAP_FIELD_PATH` with the column. */
  static parse(text: string, site: ExpressionSite): FieldPath {
    try {
      return new FieldPath(text, parseSegments(tokenize(text)));
    } catch (error) {
      if (error instanceof SyntaxProblem) throw toSyntaxError(error, text, site, 'LS_TRANSFORM_MAP_FIELD_PATH');
      throw error;
    }
  }

  /** True when `other` is this path or lies below it (`a` covers `a` and `a.b`). */
  covers(other: FieldPath): boolean {
    return this.segments.length <= other.segments.length && this.segments.every((s, i) => other.segments[i] === s);
  }
}

function parseSegments(tokens: readonly Token[]): string[] {
  let index = 0;
  // The tokenizer ends with an `end` token; reading past it keeps returning it.
  const next = (): Token => tokens[Math.min(index++, tokens.length - 1)] as Token;
  const first = next();
  const segments = [isPunctuation(first, '[') ? bracketed(next(), next()) : fieldName(first)];
  for (;;) {
    const token = next();
    if (token.kind === 'end') return segments;
    if (isPunctuation(token, '.')) {
      segments.push(fieldName(next()));
    } else if (isPunctuation(token, '[')) {
      segments.push(bracketed(next(), next()));
    } else {
      const found = `${describe(token)}${hint(token)}`;
      throw new SyntaxProblem(`expected '.', '[' or the end but found ${found}`, token.column);
    }
  }
}

function fieldName(token: Token): string {
  if (token.kind === 'identifier') return token.text;
  throw new SyntaxProblem(`expected a field name but found ${describe(token)}`, token.column);
}

function bracketed(name: Token, close: Token): string {
  if (name.kind !== 'string') {
    throw new SyntaxProblem(`expected a quoted field name inside [...] but found ${describe(name)}`, name.column);
  }
  if (!isPunctuation(close, ']')) {
    throw new SyntaxProblem(`expected ']' but found ${describe(close)}`, close.column);
  }
  return name.text;
}

function isPunctuation(token: Token, text: string): boolean {
  return token.kind === 'punctuation' && token.text === text;
}

function hint(token: Token): string {
  return token.text === '-' ? `; quote names with '-' in brackets, like ["content-type"]` : '';
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'the end of the path' : `'${token.text}'`;
}
