import { PG_TYPE_OIDS } from '../sql';

/**
 * How a key column compares, when JavaScript can compare it exactly as the chunked snapshot's `ORDER BY` does:
 * integers (int2/int4/int8, as BigInt), numeric (by value; `-Infinity` < numbers < `Infinity` < `NaN`, as Postgres
 * sorts them), text and varchar (`COLLATE "C"`: the bytes of their UTF-8), char(n) (the same without its trailing
 * blanks, as bpchar compares) and uuid (its 16 bytes: the order of its lower-case hex text).
 */
export type KeyKind = 'integer' | 'numeric' | 'text' | 'bpchar' | 'uuid';

const UUID = 2950;
const BPCHAR = 1042;

/** The kind of a key column of base type `oid`, or undefined when its order cannot be compared here. */
export function keyKindOf(oid: number): KeyKind | undefined {
  switch (oid) {
    case PG_TYPE_OIDS.int2:
    case PG_TYPE_OIDS.int4:
    case PG_TYPE_OIDS.int8:
      return 'integer';
    case PG_TYPE_OIDS.numeric:
      return 'numeric';
    case PG_TYPE_OIDS.text:
    case PG_TYPE_OIDS.varchar:
      return 'text';
    case BPCHAR:
      return 'bpchar';
    case UUID:
      return 'uuid';
    default:
      return undefined;
  }
}

/** Whether the chunk's `ORDER BY` orders a column of base type `oid` with `COLLATE "C"` (text-like types). */
export function collatesBytewise(oid: number): boolean {
  const kind = keyKindOf(oid);
  return kind === 'text' || kind === 'bpchar';
}

/**
 * Compares two keys given as the text Postgres prints for each column (numbers as their decimal text), column by
 * column (lexicographic, as a row comparison): negative, 0 or positive.
 */
export function compareKeys(kinds: readonly KeyKind[], a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < kinds.length; i++) {
    const order = compareValues(kinds[i] as KeyKind, a[i] as string, b[i] as string);
    if (order !== 0) return order;
  }
  return 0;
}

function compareValues(kind: KeyKind, a: string, b: string): number {
  switch (kind) {
    case 'integer': {
      const x = BigInt(a);
      const y = BigInt(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'numeric':
      return compareNumeric(a, b);
    case 'text':
      return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
    case 'bpchar':
      return Buffer.compare(Buffer.from(a.replace(/ +$/, ''), 'utf8'), Buffer.from(b.replace(/ +$/, ''), 'utf8'));
    case 'uuid': {
      const x = a.toLowerCase();
      const y = b.toLowerCase();
      return x < y ? -1 : x > y ? 1 : 0;
    }
  }
}

/** Rank of numeric's special values around the finite ones, as Postgres sorts them. */
function numericRank(text: string): number {
  if (text === 'NaN') return 2;
  if (text === 'Infinity') return 1;
  if (text === '-Infinity') return -1;
  return 0;
}

/** Compares two numerics' texts (`-12.340`, no exponent: Postgres never prints one for numeric) by value. */
function compareNumeric(a: string, b: string): number {
  const ra = numericRank(a);
  const rb = numericRank(b);
  if (ra !== 0 || rb !== 0) return Math.sign(ra - rb);
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (x.zero && y.zero) return 0;
  const sx = x.zero ? 0 : x.negative ? -1 : 1;
  const sy = y.zero ? 0 : y.negative ? -1 : 1;
  if (sx !== sy) return Math.sign(sx - sy);
  const magnitude = compareMagnitude(x, y);
  return sx < 0 ? -magnitude : magnitude;
}

interface Decimal {
  readonly negative: boolean;
  readonly zero: boolean;
  /** Integer digits without leading zeros; fraction digits without trailing zeros. */
  readonly integer: string;
  readonly fraction: string;
}

function parseDecimal(text: string): Decimal {
  const negative = text.startsWith('-');
  const body = negative || text.startsWith('+') ? text.slice(1) : text;
  const dot = body.indexOf('.');
  const integer = (dot < 0 ? body : body.slice(0, dot)).replace(/^0+/, '');
  const fraction = (dot < 0 ? '' : body.slice(dot + 1)).replace(/0+$/, '');
  return { negative, zero: integer === '' && fraction === '', integer, fraction };
}

function compareMagnitude(x: Decimal, y: Decimal): number {
  if (x.integer.length !== y.integer.length) return x.integer.length < y.integer.length ? -1 : 1;
  if (x.integer !== y.integer) return x.integer < y.integer ? -1 : 1;
  const length = Math.max(x.fraction.length, y.fraction.length);
  const fx = x.fraction.padEnd(length, '0');
  const fy = y.fraction.padEnd(length, '0');
  return fx < fy ? -1 : fx > fy ? 1 : 0;
}
