import { LockstepError } from '../../core/sdk';

/**
 * SQL text helpers shared by the Postgres connectors. Names are always quoted, so they are used exactly as written
 * (case-sensitive, any character): `orders` is "orders", `Orders` is "Orders".
 */

/** A table (or other relation) name, optionally schema-qualified. */
export interface QualifiedName {
  readonly schema?: string;
  readonly name: string;
}

/** `name` as a quoted SQL identifier. */
export function quoteIdentifier(name: string): string {
  if (name.length === 0 || name.includes('\0')) throw new LockstepError(`invalid SQL identifier ${JSON.stringify(name)}`, { code: 'LS_CONFIG_INVALID' });
  return `"${name.replaceAll('"', '""')}"`;
}

/** `text` as a standard SQL string literal (standard_conforming_strings is on by default since Postgres 9.1). */
export function quoteLiteral(text: string): string {
  if (text.includes('\0')) throw new LockstepError('a SQL string literal cannot hold a NUL character', { code: 'LS_CONFIG_INVALID' });
  return `'${text.replaceAll("'", "''")}'`;
}

/** Splits `schema.table` at the first dot; a name without a dot has no schema (the search_path decides). */
export function parseQualifiedName(text: string): QualifiedName {
  const dot = text.indexOf('.');
  if (dot < 0) return { name: text };
  const schema = text.slice(0, dot);
  const name = text.slice(dot + 1);
  if (schema === '' || name === '') throw new LockstepError(`invalid table name ${JSON.stringify(text)}: expected table or schema.table`, { code: 'LS_CONFIG_INVALID' });
  return { schema, name };
}

/** The quoted `"schema"."name"` (or `"name"`). */
export function quoteQualifiedName(name: QualifiedName): string {
  return name.schema === undefined ? quoteIdentifier(name.name) : `${quoteIdentifier(name.schema)}.${quoteIdentifier(name.name)}`;
}

/** How a name reads in messages: `schema.name` as configured. */
export function describeQualifiedName(name: QualifiedName): string {
  return name.schema === undefined ? name.name : `${name.schema}.${name.name}`;
}

/** Type OIDs (`pg_type.oid`) of built-in types the connectors treat specially. */
export const PG_TYPE_OIDS = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  varchar: 1043,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  jsonb: 3802,
} as const;

/**
 * The record value of a column value in Postgres text form — the one value model of the Postgres sources (table and
 * CDC, snapshot and stream), read in sessions with `DateStyle = ISO`, `TimeZone = UTC`, `bytea_output = hex` and
 * `extra_float_digits = 3`. Every value survives JSON and comes back the same through the Postgres sink:
 * int2/int4/oid as numbers; float4/float8 as numbers with every digit, but `NaN`, `Infinity`, `-Infinity` and `-0` as
 * those strings (a JSON number cannot hold them); int8 as a number when it is a safe integer, else its decimal
 * string; numeric as its exact decimal string; bool; **json/jsonb as their text** (parsing would lose digits beyond a
 * double, `1.50`'s zero, a json value's spacing, key order and duplicate keys — the `parse_json()` expression function
 * or a `json` transform parses when wanted); bytea as **base64**; timestamptz as ISO 8601 in UTC with microseconds
 * (`2024-05-01T10:00:00.123456Z`), timestamp as ISO 8601 without zone (infinity and BC values keep Postgres' text);
 * every other type (text, uuid, date `YYYY-MM-DD`, time, interval, arrays…) as Postgres prints it. `null` stays null.
 */
export function postgresValueFromText(typeOid: number, text: string | null): unknown {
  if (text === null) return null;
  switch (typeOid) {
    case PG_TYPE_OIDS.int2:
    case PG_TYPE_OIDS.int4:
    case PG_TYPE_OIDS.oid:
      return Number(text);
    case PG_TYPE_OIDS.float4:
    case PG_TYPE_OIDS.float8:
      return text === 'NaN' || text === 'Infinity' || text === '-Infinity' || text === '-0' ? text : Number(text);
    case PG_TYPE_OIDS.int8: {
      const value = Number(text);
      return Number.isSafeInteger(value) ? value : text;
    }
    case PG_TYPE_OIDS.bool:
      return text === 't' || text === 'true';
    case PG_TYPE_OIDS.bytea:
      return (text.startsWith('\\x') ? Buffer.from(text.slice(2), 'hex') : Buffer.from(text, 'latin1')).toString('base64');
    case PG_TYPE_OIDS.timestamp:
      return isoTimestampText(text, false);
    case PG_TYPE_OIDS.timestamptz:
      return isoTimestampText(text, true);
    default:
      return text;
  }
}

/** `2024-05-01 10:00:00.5+00` → `2024-05-01T10:00:00.5Z`; other offsets as `+05:30`; infinity and BC values as is. */
function isoTimestampText(text: string, withZone: boolean): string {
  const match = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d(?::\d\d){0,2})?$/.exec(text);
  if (match === null) return text;
  const [, date, time, zone] = match;
  if (!withZone) return `${date}T${time}`;
  if (zone === undefined || zone === '+00') return `${date}T${time}Z`;
  return `${date}T${time}${zone.length === 3 ? `${zone}:00` : zone}`;
}
