import type { Client, FieldDef } from 'pg';
import type { LockstepRecord } from '../../../core/sdk';
import { TEXT_TYPES } from '../connection';
import { postgresValueFromText, quoteIdentifier, quoteLiteral, quoteQualifiedName } from '../sql';
import type { ChangeEvent, RowImage } from './change-event';
import { rowKey } from './change-assembler';
import { formatLsn } from './lsn';
import type { PublishedTable } from './cdc-catalog';
import type { TypeCatalog } from './value-model';

const CURSOR = 'lockstep_cdc_snapshot';

/**
 * Reads the published tables inside the slot's exported snapshot, table by table through a cursor, as `read`
 * records: exactly the rows committed before the slot's consistent point, so streaming from that point continues
 * without a gap or an overlap.
 *
 * Call order: `begin` (while the exported snapshot is still importable: before the replication connection runs its
 * next command) → `next` until it returns undefined → `close()`.
 */
export class InitialSnapshot {
  private tableIndex = -1;
  private cursorOpen = false;

  private constructor(
    private readonly client: Client,
    private readonly tables: readonly PublishedTable[],
    private readonly consistentPoint: bigint,
    private readonly types: TypeCatalog,
  ) {}

  /** Opens a repeatable-read transaction on `client` that imports snapshot `snapshotName`. */
  static async begin(client: Client, snapshotName: string, tables: readonly PublishedTable[], consistentPoint: bigint, types: TypeCatalog): Promise<InitialSnapshot> {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(snapshotName)}`);
    return new InitialSnapshot(client, tables, consistentPoint, types);
  }

  /** Up to `max` more rows, or undefined once every table was read (the transaction is then committed). */
  async next(max: number): Promise<LockstepRecord[] | undefined> {
    for (;;) {
      if (!this.cursorOpen) {
        this.tableIndex += 1;
        const table = this.tables[this.tableIndex];
        if (table === undefined) {
          await this.client.query('COMMIT');
          return undefined;
        }
        // the columns the stream sends, in its order: generated columns are not replicated, so not read either
        const columns = table.columns.map((column) => quoteIdentifier(column)).join(', ');
        await this.client.query(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR SELECT ${columns} FROM ${quoteQualifiedName({ schema: table.schema, name: table.table })}`);
        this.cursorOpen = true;
      }
      const result = await this.client.query({ text: `FETCH FORWARD ${Math.max(1, max)} FROM ${CURSOR}`, types: TEXT_TYPES });
      if (result.rows.length > 0) {
        const baseTypes = await this.types.baseTypes(result.fields.map((field) => field.dataTypeID));
        return this.records(result.rows as Record<string, string | null>[], result.fields, baseTypes);
      }
      await this.client.query(`CLOSE ${quoteIdentifier(CURSOR)}`);
      this.cursorOpen = false;
    }
  }

  private records(rows: readonly Record<string, string | null>[], fields: readonly FieldDef[], baseTypes: readonly number[]): LockstepRecord[] {
    const table = this.tables[this.tableIndex] as PublishedTable;
    const lsn = formatLsn(this.consistentPoint);
    return rows.map((row) => {
      const after: RowImage = {};
      fields.forEach((field, i) => {
        after[field.name] = postgresValueFromText(baseTypes[i] ?? field.dataTypeID, row[field.name] ?? null);
      });
      const value: ChangeEvent = { op: 'read', schema: table.schema, table: table.table, before: null, after, lsn, commitLsn: lsn, xid: null, commitTime: null };
      return { key: rowKey(table, after), value, origin: `${table.schema}.${table.table}@snapshot` };
    });
  }
}
