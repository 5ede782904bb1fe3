import { postgresValueFromText } from '../sql';

/**
 * Turns the text form of a column value (what pgoutput sends and what the snapshot reads) into a JavaScript value by
 * the column's type OID, with the conversions the table source uses too ({@link postgresValueFromText}: int8 as a
 * number when safe, else its decimal string; numeric as its exact string; json parsed; bytea as a Buffer; timestamps
 * as ISO 8601). The sessions lockstep reads with use `TimeZone = UTC` and `DateStyle = ISO`
 * ({@link CDC_SESSION_SETTINGS}), so timestamps arrive in one known form.
 */
export function convertColumnValue(typeOid: number, text: string): unknown {
  return postgresValueFromText(typeOid, text);
}

/** SET statements every CDC session runs, so values have one text form whatever the server's defaults. */
export const CDC_SESSION_SETTINGS = "SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO, YMD'; SET bytea_output TO 'hex'";
