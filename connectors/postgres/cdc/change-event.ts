/** What a change record's `value` holds. `read` rows come from the initial snapshot. */
export type ChangeOperation = 'read' | 'insert' | 'update' | 'delete' | 'truncate';

/** A row: column name → value (values converted by `postgresValueFromText` in `../sql.ts` by base type, the same for snapshot and stream). */
export type RowImage = Record<string, unknown>;

/**
 * The value of every postgres-cdc record. `before` is the old row where the table's REPLICA IDENTITY gives it (only
 * the key columns with the default identity, the whole row with FULL), `after` the new row. LSNs are `X/Y` text;
 * `commitTime` is ISO 8601 (UTC). Snapshot rows (`read`) carry the slot's consistent point as both LSNs and no
 * transaction.
 */
export interface ChangeEvent {
  readonly op: ChangeOperation;
  readonly schema: string;
  readonly table: string;
  readonly before: RowImage | null;
  readonly after: RowImage | null;
  /** LSN of the change itself. */
  readonly lsn: string;
  /** LSN of the commit record of the change's transaction. */
  readonly commitLsn: string;
  readonly xid: number | null;
  readonly commitTime: string | null;
}
