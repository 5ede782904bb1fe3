import type { FieldDef } from 'pg';
import type { LockstepRecord } from '../../../core/sdk';
import { postgresValueFromText } from '../sql';

/** A row as node-postgres returns it when every type parser is the identity: column name → Postgres text or null. */
export type TextRow = Readonly<Record<string, string | null>>;

/**
 * Turns rows into records: value = the row as an object (types converted by `postgresValueFromText`), key = the
 * `keyColumn` value, origin `<name>@<key text>`.
 */
export class RowDecoder {
  constructor(
    private readonly name: string,
    private readonly keyColumn: string,
  ) {}

  decode(fields: readonly FieldDef[], row: TextRow): LockstepRecord {
    const keyText = row[this.keyColumn] ?? null;
    const origin = `${this.name}@${keyText ?? 'null'}`;
    const value: Record<string, unknown> = {};
    // every Postgres text converts (postgresValueFromText parses nothing that could fail)
    for (const field of fields) value[field.name] = postgresValueFromText(field.dataTypeID, row[field.name] ?? null);
    return { key: value[this.keyColumn], value, origin };
  }
}
