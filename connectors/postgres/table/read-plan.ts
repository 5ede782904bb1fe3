import type { Client } from 'pg';
import { parseQualifiedName, PG_TYPE_OIDS, quoteIdentifier, quoteQualifiedName } from '../sql';
import { postgresSourceConfigError } from './error-mapping';
import type { PostgresTableSourceConfig } from './postgres-table-source-config';

/** What a source reads: a table or a query, as a FROM item, and its name in messages and record origins. */
export interface ReadTarget {
  /** `"public"."orders"` or `(<query>) AS lockstep_query`. */
  readonly from: string;
  /** Quoted table name for catalog lookups; undefined for a query. */
  readonly table: string | undefined;
  /** `orders` or `query`, the prefix of record origins (`orders@42`). */
  readonly name: string;
}

/** The read target of a config (table xor query). */
export function readTargetOf(config: Pick<PostgresTableSourceConfig, 'table' | 'query'>): ReadTarget {
  if ((config.table === undefined) === (config.query === undefined)) {
    throw postgresSourceConfigError('set exactly one of table and query');
  }
  if (config.table !== undefined) {
    let quoted: string;
    try {
      quoted = quoteQualifiedName(parseQualifiedName(config.table));
    } catch (cause) {
      throw postgresSourceConfigError((cause as Error).message, { table: config.table });
    }
    return { from: quoted, table: quoted, name: config.table };
  }
  const query = (config.query as string).trim().replace(/;\s*$/, '');
  return { from: `(${query}) AS lockstep_query`, table: undefined, name: 'query' };
}

/** Column name → type OID of what `target` returns (no rows are read). */
export async function columnTypes(client: Client, target: ReadTarget): Promise<Map<string, number>> {
  const result = await client.query(`SELECT * FROM ${target.from} LIMIT 0`);
  return new Map(result.fields.map((field) => [field.name, field.dataTypeID]));
}

/** The columns of the table's primary key, in key order (empty without one). */
export async function primaryKeyColumns(client: Client, table: string): Promise<string[]> {
  const result = await client.query<{ name: string }>(
    `SELECT a.attname AS name
       FROM pg_index i
       JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON true
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1::regclass AND i.indisprimary
      ORDER BY k.position`,
    [table],
  );
  return result.rows.map((row) => row.name);
}

/** True when a unique index on exactly `column` (not partial, not on an expression) or a primary key covers it. */
export async function isUniqueColumn(client: Client, table: string, column: string): Promise<boolean> {
  const result = await client.query(
    `SELECT 1
       FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attname = $2
      WHERE i.indrelid = $1::regclass AND i.indisunique AND i.indpred IS NULL AND i.indnkeyatts = 1
        AND i.indkey[0] = a.attnum`,
    [table, column],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Range-splittable column types: integers, numeric, date and timestamps. Other keys are read as one range. */
export type SplitKeyCategory = 'integer' | 'numeric' | 'date' | 'timestamp' | 'timestamptz' | 'other';

export function splitKeyCategory(typeOid: number): SplitKeyCategory {
  switch (typeOid) {
    case PG_TYPE_OIDS.int2:
    case PG_TYPE_OIDS.int4:
    case PG_TYPE_OIDS.int8:
      return 'integer';
    case PG_TYPE_OIDS.numeric:
      return 'numeric';
    case PG_TYPE_OIDS.date:
      return 'date';
    case PG_TYPE_OIDS.timestamp:
      return 'timestamp';
    case PG_TYPE_OIDS.timestamptz:
      return 'timestamptz';
    default:
      return 'other';
  }
}

/** Smallest and largest value of `column` (Postgres text), or undefined when it holds no value. */
export async function keyBounds(client: Client, target: ReadTarget, column: string): Promise<{ min: string; max: string } | undefined> {
  const key = quoteIdentifier(column);
  // ORDER BY … LIMIT 1 rather than min()/max(): those aggregates do not exist for every orderable type (uuid, bool),
  // and with an index on the key both ends are one index probe each. The text output is aliased: ORDER BY a name
  // that is also an output column would sort by the text.
  const result = await client.query<{ min: string | null; max: string | null }>(
    `SELECT (SELECT ${key}::text AS bound FROM ${target.from} WHERE ${key} IS NOT NULL ORDER BY ${key} ASC LIMIT 1) AS min,
            (SELECT ${key}::text AS bound FROM ${target.from} WHERE ${key} IS NOT NULL ORDER BY ${key} DESC LIMIT 1) AS max`,
  );
  const row = result.rows[0];
  return row?.min === null || row?.max === null || row === undefined ? undefined : { min: row.min, max: row.max };
}

/** The value at fraction g/$3 between $1 and $2, in the column's own type (integers rounded down). */
const INTERPOLATION: Record<Exclude<SplitKeyCategory, 'other'>, { type: string; at: string }> = {
  integer: { type: 'numeric', at: 'floor($1::numeric + ($2::numeric - $1::numeric) * g / $3)' },
  numeric: { type: 'numeric', at: '$1::numeric + ($2::numeric - $1::numeric) * g / $3' },
  date: { type: 'date', at: '$1::date + ((($2::date - $1::date) * g) / $3)::int' },
  timestamp: { type: 'timestamp', at: '$1::timestamp + ($2::timestamp - $1::timestamp) * (g::float8 / $3)' },
  timestamptz: { type: 'timestamptz', at: '$1::timestamptz + ($2::timestamptz - $1::timestamptz) * (g::float8 / $3)' },
};

/**
 * Up to `count - 1` boundaries evenly spaced strictly between `min` and `max`, ascending and distinct, as Postgres
 * text: Postgres does the arithmetic in the key's type, so bigint, numeric and microsecond timestamps stay exact.
 */
export async function rangeBoundaries(
  client: Client,
  category: SplitKeyCategory,
  bounds: { min: string; max: string },
  count: number,
): Promise<string[]> {
  if (category === 'other' || count < 2) return [];
  const { type, at } = INTERPOLATION[category];
  const integerCast = category === 'integer' ? '::bigint' : '';
  const result = await client.query<{ boundary: string }>(
    `SELECT s.b${integerCast}::text AS boundary
       FROM (SELECT DISTINCT ${at} AS b FROM generate_series(1, $3::int - 1) AS g) AS s
      WHERE s.b > $1::${type} AND s.b < $2::${type}
      ORDER BY s.b`,
    [bounds.min, bounds.max, count],
  );
  return result.rows.map((row) => row.boundary);
}
