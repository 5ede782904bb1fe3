import type { Client } from 'pg';
import { LockstepError } from '../../../core/sdk';
import { postgresError } from '../errors';
import { describeQualifiedName, quoteQualifiedName, type QualifiedName } from '../sql';
import type { ColumnSource } from './postgres-sink-config';
import type { TableColumn } from './row-encoding';

/**
 * The writable columns of `table` (generated and dropped columns left out). Fails (not retriable) when the table does
 * not exist or an explicitly mapped column is not one of them: the sink does not create or alter tables.
 */
export async function loadTableColumns(
  client: Client,
  table: QualifiedName,
  sources: readonly ColumnSource[] | undefined,
): Promise<Map<string, TableColumn>> {
  let rows: { name: string; type: string; is_array: boolean }[];
  try {
    const result = await client.query<{ name: string; type: string; is_array: boolean }>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, t.typcategory = 'A' AS is_array
         FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
        WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
        ORDER BY a.attnum`,
      [quoteQualifiedName(table)],
    );
    rows = result.rows;
  } catch (error) {
    throw postgresError(error, `cannot read the columns of ${describeQualifiedName(table)}`);
  }
  if (rows.length === 0) {
    throw new LockstepError(`table ${describeQualifiedName(table)} does not exist (or has no writable columns); the postgres sink does not create tables`, {
      code: 'LS_POSTGRES_NO_TABLE',
    });
  }
  const columns = new Map(rows.map((row) => [row.name, { name: row.name, type: row.type, isArray: row.is_array }]));
  const missing = (sources ?? []).filter((source) => !columns.has(source.column)).map((source) => source.column);
  if (missing.length > 0) {
    throw new LockstepError(`table ${describeQualifiedName(table)} has no column(s) ${missing.join(', ')} (columns: ${[...columns.keys()].join(', ')})`, {
      code: 'LS_POSTGRES_NO_COLUMN',
    });
  }
  return columns;
}

/**
 * The primary key columns of `table`, in key order (empty when it has none): the key change events are applied by
 * when the sink has no `key`.
 */
export async function loadPrimaryKey(client: Client, table: QualifiedName): Promise<string[]> {
  try {
    const result = await client.query<{ name: string }>(
      `SELECT a.attname AS name
         FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
        WHERE i.indrelid = to_regclass($1) AND i.indisprimary
        ORDER BY array_position(i.indkey::int2[], a.attnum)`,
      [quoteQualifiedName(table)],
    );
    return result.rows.map((row) => row.name);
  } catch (error) {
    throw postgresError(error, `cannot read the primary key of ${describeQualifiedName(table)}`);
  }
}
