import type { Client } from 'pg';
import { preparedGids } from '../postgres/postgres-sink-fixtures';
import { describeTally, tallyIds, type IdTally } from './kafka-topics';

/**
 * Creates the table a chaos pipeline writes `chaosRecord`s into (`id`, `seq`, `note`, and `doubled` when the
 * pipeline maps it). No unique constraint on id: a duplicate must show up in the count, not be refused by the database.
 */
export async function createTargetTable(db: Client, table: string, options: { readonly doubled: boolean }): Promise<void> {
  const doubled = options.doubled ? ', doubled integer NOT NULL' : '';
  await db.query(`CREATE TABLE ${table} (id text NOT NULL, seq integer NOT NULL, note text${doubled})`);
}

/** What a target table holds after a trial, read with the pg client. */
export interface TargetTableCheck {
  readonly total: number;
  readonly ids: number;
  /** Rows whose `doubled` is not `seq * 2`; 0 when the table has no `doubled` column. */
  readonly wrong: number;
  readonly tally: IdTally;
  /** Prepared transactions whose gid starts with the prefix given. */
  readonly prepared: string[];
}

/**
 * Reads `count(*)`, `count(DISTINCT id)`, the malformed rows (when `doubled` is set), the id tally against
 * `r-0 … r-<records-1>` and the prepared transactions left under `gidPrefix`.
 */
export async function checkTargetTable(
  db: Client,
  table: string,
  options: { readonly records: number; readonly gidPrefix: string; readonly doubled: boolean },
): Promise<TargetTableCheck> {
  const wrongColumn = options.doubled ? 'count(*) FILTER (WHERE doubled <> seq * 2)' : '0';
  const counts = await db.query<{ total: string; ids: string; wrong: string }>(
    `SELECT count(*) AS total, count(DISTINCT id) AS ids, ${wrongColumn} AS wrong FROM ${table}`,
  );
  const { total, ids, wrong } = counts.rows[0] as { total: string; ids: string; wrong: string };
  const tally = tallyIds((await db.query<{ id: string }>(`SELECT id FROM ${table}`)).rows.map((row) => row.id), options.records);
  const prepared = await preparedGids(db, options.gidPrefix);
  return { total: Number(total), ids: Number(ids), wrong: Number(wrong), tally, prepared };
}

/** One line for the trial's report: the counts, the tally, the malformed rows and the prepared transactions left. */
export function describeTargetTable(check: TargetTableCheck): string {
  return (
    `count(*) ${check.total}, count(DISTINCT id) ${check.ids}: ${describeTally(check.tally)}, ${check.wrong} malformed; ` +
    `${check.prepared.length} prepared transactions left`
  );
}

/**
 * The exactly-once verdict on a target table: `records` rows, `records` distinct ids, none malformed, no expected id
 * missing, no foreign id, and no prepared transaction left.
 */
export function expectEveryIdOnce(check: TargetTableCheck, records: number): void {
  expect({ total: check.total, ids: check.ids, wrong: check.wrong }).toEqual({ total: records, ids: records, wrong: 0 });
  expect(check.tally.missing.slice(0, 5)).toEqual([]);
  expect(check.tally.foreign.slice(0, 5)).toEqual([]);
  expect(check.prepared).toEqual([]);
}
