import type { Client } from 'pg';
import { PG_TYPE_OIDS } from '../sql';
import { postgresSourceConfigError } from './error-mapping';
import type { IncrementalColumns } from './page-query';
import type { PostgresTableSourceConfig } from './postgres-table-source-config';
import { columnTypes, isUniqueColumn, primaryKeyColumns, splitKeyCategory, type ReadTarget, type SplitKeyCategory } from './read-plan';

/** The columns a read orders by, checked against the database. */
export type ReadColumns =
  | { readonly mode: 'bounded'; readonly splitColumn: string; readonly category: SplitKeyCategory }
  | { readonly mode: 'incremental'; readonly columns: IncrementalColumns };

/** The column whose value is a record's key (and, after `<table>@`, its origin). */
export function recordKeyColumn(read: ReadColumns): string {
  return read.mode === 'bounded' ? read.splitColumn : (read.columns.keyColumn ?? read.columns.incrementalColumn);
}

const LAG_TYPES = new Set<number>([PG_TYPE_OIDS.timestamp, PG_TYPE_OIDS.timestamptz, PG_TYPE_OIDS.date]);

/**
 * Resolves the split, incremental and key columns of `config` (defaults from the table's primary key) and checks
 * them: they exist in what `target` returns; a bounded read's split column is unique (primary key or unique index)
 * unless `skipUniqueCheck`; `lag` only with a timestamp or date column.
 * @throws LockstepError `LS_CONFIG_INVALID` naming the column.
 */
export async function resolveReadColumns(client: Client, config: PostgresTableSourceConfig, target: ReadTarget): Promise<ReadColumns> {
  const types = await columnTypes(client, target);
  const primaryKey = target.table === undefined ? [] : await primaryKeyColumns(client, target.table);
  const single = primaryKey.length === 1 ? primaryKey[0] : undefined;
  const typeOf = (column: string, option: string): number => {
    const type = types.get(column);
    if (type === undefined) {
      throw postgresSourceConfigError(`${option} ${column} is not a column of ${target.name} (columns: ${[...types.keys()].join(', ')})`, {
        column,
      });
    }
    return type;
  };
  if (config.mode === 'incremental') {
    const incrementalColumn = config.incrementalColumn;
    if (incrementalColumn === undefined) throw postgresSourceConfigError('mode incremental needs incrementalColumn');
    const type = typeOf(incrementalColumn, 'incrementalColumn');
    const keyColumn = config.keyColumn ?? (single !== incrementalColumn ? single : undefined);
    if (keyColumn !== undefined) typeOf(keyColumn, 'keyColumn');
    const lagMs = config.lag;
    if (lagMs > 0 && !LAG_TYPES.has(type)) {
      throw postgresSourceConfigError(`lag needs a timestamp or date incrementalColumn; ${incrementalColumn} is not one`, { column: incrementalColumn });
    }
    return { mode: 'incremental', columns: { incrementalColumn, keyColumn, lagMs } };
  }
  const splitColumn = config.splitColumn ?? single;
  if (splitColumn === undefined) {
    const why = target.table === undefined ? 'a query has no primary key' : `${target.name} has no single-column primary key`;
    throw postgresSourceConfigError(`set splitColumn (a unique column of ${target.name}): ${why}`);
  }
  const category = splitKeyCategory(typeOf(splitColumn, 'splitColumn'));
  if (target.table !== undefined && config.skipUniqueCheck !== true && splitColumn !== single) {
    if (!(await isUniqueColumn(client, target.table, splitColumn))) {
      throw postgresSourceConfigError(
        `splitColumn ${splitColumn} of ${target.name} is neither its primary key nor covered by a unique index: resuming ` +
          'after the last key read would skip rows sharing it. Choose a unique column, or set skipUniqueCheck: true if it is ' +
          'unique without an index saying so',
        { column: splitColumn },
      );
    }
  }
  return { mode: 'bounded', splitColumn, category };
}
