import type { LockstepRecord } from '../../core/sdk';
import { RecordFieldPath, scalarText } from './record-fields';

/** One piece of an index template: literal text, a field, or a date of a field (or the record timestamp). */
type Piece =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'field'; readonly path: RecordFieldPath }
  | { readonly kind: 'date'; readonly path: RecordFieldPath; readonly pattern: string };

const DATE_TOKENS = /yyyy|MM|dd|HH/g;

/** Why a record yields no index name (the writer turns it into a record error). */
export class IndexNameProblem {
  constructor(readonly message: string) {}
}

/**
 * The `index` option: a fixed name, or a template with `{field}` and `{field:yyyy.MM.dd}` parts
 * (`logs-{timestamp:yyyy.MM.dd}`, `orders-{value.region}`). Dates are UTC; a date field holds epoch milliseconds or
 * a date string `Date` parses.
 */
export class IndexTemplate {
  private readonly pieces: readonly Piece[];

  constructor(readonly text: string) {
    const pieces: Piece[] = [];
    const pattern = /\{([^}:]+)(?::([^}]+))?\}/g;
    let last = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      if (match.index > last) pieces.push({ kind: 'text', text: text.slice(last, match.index) });
      const path = new RecordFieldPath(match[1] ?? '');
      const date = match[2];
      if (date !== undefined && date.replace(DATE_TOKENS, '').match(/[A-Za-z]/) !== null) {
        throw new TypeError(`index '${text}': date pattern '${date}' may only use yyyy, MM, dd, HH and separators`);
      }
      pieces.push(date === undefined ? { kind: 'field', path } : { kind: 'date', path, pattern: date });
      last = match.index + match[0].length;
    }
    if (last < text.length) pieces.push({ kind: 'text', text: text.slice(last) });
    if (pieces.some((piece) => piece.kind === 'text' && /[{}]/.test(piece.text))) throw new TypeError(`index '${text}' has an unbalanced brace`);
    this.pieces = pieces;
  }

  /** True when every record goes to the same index. */
  get fixed(): boolean {
    return this.pieces.every((piece) => piece.kind === 'text');
  }

  /** The index of `record`, or the problem that prevents one. */
  resolve(record: LockstepRecord): string | IndexNameProblem {
    let name = '';
    for (const piece of this.pieces) {
      if (piece.kind === 'text') {
        name += piece.text;
        continue;
      }
      const value = piece.path.read(record);
      const text = piece.kind === 'field' ? scalarText(value) : formatDate(value, piece.pattern);
      if (text === undefined || text === '') {
        return new IndexNameProblem(`index '${this.text}': field ${piece.path.text} is ${describe(value)}, not ${piece.kind === 'date' ? 'a date' : 'a scalar'}`);
      }
      name += text;
    }
    return name;
  }
}

function describe(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value) ?? typeof value;
}

function formatDate(value: unknown, pattern: string): string | undefined {
  const date = typeof value === 'number' || typeof value === 'string' ? new Date(value) : value instanceof Date ? value : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) return undefined;
  const two = (n: number): string => String(n).padStart(2, '0');
  const parts: Record<string, string> = {
    yyyy: String(date.getUTCFullYear()).padStart(4, '0'),
    MM: two(date.getUTCMonth() + 1),
    dd: two(date.getUTCDate()),
    HH: two(date.getUTCHours()),
  };
  return pattern.replace(DATE_TOKENS, (token) => parts[token] ?? token);
}
