/**
 * Turns the text form of a column value (what pgoutput sends and what the snapshot reads) into a JavaScript value by
 * the column's type OID. The sessions lockstep reads with use `TimeZone = UTC` and `DateStyle = ISO`
 * ({@link CDC_SESSION_SETTINGS}), so timestamps arrive in one known form.
 *
 * - int2, int4, oid: number; int8: number when it is a safe integer, else the decimal string (no precision lost)
 * - float4, float8: number (`NaN`, `Infinity`, `-Infinity` included); numeric: the exact decimal string
 * - bool: boolean; json, jsonb: parsed; bytea: Buffer
 * - timestamp: ISO 8601 without zone (`2024-05-06T07:08:09.123456`); timestamptz: ISO 8601 in UTC
 *   (`2024-05-06T07:08:09.123456Z`); `infinity`, `-infinity` and BC dates stay as Postgres prints them
 * - text, varchar, char, name, uuid, date, time and every other type: the text as Postgres prints it
 */

/** SET statements every CDC session runs, so values have one text form whatever the server's defaults. */
export const CDC_SESSION_SETTINGS = "SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO, YMD'; SET bytea_output TO 'hex'";

const BOOL = 16;
const BYTEA = 17;
const INT8 = 20;
const INT2 = 21;
const INT4 = 23;
const OID = 26;
const JSON_TYPE = 114;
const FLOAT4 = 700;
const FLOAT8 = 701;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
const NUMERIC = 1700;
const JSONB = 3802;

/** `text` as a value of the type `typeOid`. */
export function convertColumnValue(typeOid: number, text: string): unknown {
  switch (typeOid) {
    case INT2:
    case INT4:
    case OID:
    case FLOAT4:
    case FLOAT8:
      return Number(text);
    case INT8: {
      const value = Number(text);
      return Number.isSafeInteger(value) ? value : text;
    }
    case NUMERIC:
      return text;
    case BOOL:
      return text === 't' || text === 'true';
    case JSON_TYPE:
    case JSONB:
      return JSON.parse(text) as unknown;
    case BYTEA:
      return text.startsWith('\\x') ? Buffer.from(text.slice(2), 'hex') : Buffer.from(text, 'latin1');
    case TIMESTAMP:
      return isoTimestamp(text, false);
    case TIMESTAMPTZ:
      return isoTimestamp(text, true);
    default:
      return text;
  }
}

/** `2024-05-06 07:08:09.123+00` → `2024-05-06T07:08:09.123Z` (the session runs in UTC); anything unusual as is. */
function isoTimestamp(text: string, withZone: boolean): string {
  const match = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d(?::\d\d){0,2})?$/.exec(text);
  if (match === null) return text; // infinity, -infinity, BC dates
  const [, date, time, zone] = match;
  if (!withZone) return `${date}T${time}`;
  if (zone === undefined || zone === '+00') return `${date}T${time}Z`;
  return `${date}T${time}${zone.length === 3 ? `${zone}:00` : zone}`;
}
