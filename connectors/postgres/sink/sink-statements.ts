import { quoteIdentifier } from '../sql';

/** Postgres binds at most 65,535 parameters per statement. */
export const MAX_PARAMETERS = 65_535;

/** `INSERT INTO t (cols) VALUES ($1, …), …` for `rows` rows, with `ON CONFLICT (key) DO UPDATE` when upserting. */
export function insertStatement(table: string, columns: readonly string[], rows: number, key: readonly string[]): string {
  const names = columns.map(quoteIdentifier);
  const tuples: string[] = [];
  for (let row = 0; row < rows; row += 1) {
    tuples.push(`(${columns.map((_, i) => `$${row * columns.length + i + 1}`).join(', ')})`);
  }
  let sql = `INSERT INTO ${table} (${names.join(', ')}) VALUES ${tuples.join(', ')}`;
  if (key.length > 0) {
    const updated = columns.filter((column) => !key.includes(column));
    const target = `(${key.map(quoteIdentifier).join(', ')})`;
    sql +=
      updated.length === 0
        ? ` ON CONFLICT ${target} DO NOTHING`
        : ` ON CONFLICT ${target} DO UPDATE SET ${updated.map((column) => `${quoteIdentifier(column)} = EXCLUDED.${quoteIdentifier(column)}`).join(', ')}`;
  }
  return sql;
}

/**
 * `DELETE FROM t WHERE key IN ($1, …)` for `rows` keys (`(k1, k2) IN (($1, $2), …)` for a composite key): the
 * parameters are untyped text, each compared with its column's type, as in an INSERT.
 */
export function deleteStatement(table: string, keyColumns: readonly string[], rows: number): string {
  const tuples: string[] = [];
  for (let row = 0; row < rows; row += 1) {
    const parameters = keyColumns.map((_, i) => `$${row * keyColumns.length + i + 1}`);
    tuples.push(keyColumns.length === 1 ? (parameters[0] as string) : `(${parameters.join(', ')})`);
  }
  const names = keyColumns.map(quoteIdentifier);
  const target = keyColumns.length === 1 ? (names[0] as string) : `(${names.join(', ')})`;
  return `DELETE FROM ${table} WHERE ${target} IN (${tuples.join(', ')})`;
}

/** `COPY t (cols) FROM STDIN` in the text format. */
export function copyStatement(table: string, columns: readonly string[]): string {
  return `COPY ${table} (${columns.map(quoteIdentifier).join(', ')}) FROM STDIN`;
}

/** One value in COPY's text format: `\N` for NULL, backslash, tab, newline and carriage return escaped. */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** Rows in COPY's text format, one line each. */
export function copyText(rows: readonly (readonly (string | null)[])[]): string {
  return rows.map((values) => `${values.map(copyField).join('\t')}\n`).join('');
}
