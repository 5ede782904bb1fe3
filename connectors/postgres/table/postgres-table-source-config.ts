import type { PostgresConnectionOptions } from '../connection';

/** `bounded`: read what the table holds (split by key ranges), then end. `incremental`: poll for new rows forever. */
export type PostgresTableSourceMode = 'bounded' | 'incremental';

/**
 * A validated `type: postgres` source config (`config-schemas/postgres/table-source.schema.json`); durations in ms.
 * The common keys `id`, `type` and `parallelism` are handled by the engine.
 */
export interface PostgresTableSourceConfig extends PostgresConnectionOptions {
  readonly id?: string;
  readonly type?: 'postgres';
  readonly parallelism?: number;
  /** `table` or `schema.table` (quoted as written: case-sensitive). Exactly one of `table` and `query`. */
  readonly table?: string;
  /** A SELECT whose result is read as if it were a table. */
  readonly query?: string;
  readonly mode?: PostgresTableSourceMode;
  /** Bounded: the unique column to split and page by (default: the table's single-column primary key). */
  readonly splitColumn?: string;
  /** Bounded: number of key ranges (default: 4 × the source's parallelism). */
  readonly splits?: number;
  /** Bounded: trust that `splitColumn` is unique although no primary key or unique index says so. */
  readonly skipUniqueCheck?: boolean;
  /** Rows per query (page). */
  readonly fetchSize?: number;
  /** Incremental: the column that grows with every new row (an id, `updated_at`). */
  readonly incrementalColumn?: string;
  /** Incremental: tie-breaker for rows with the same `incrementalColumn` value (default: the single-column primary key). */
  readonly keyColumn?: string;
  /** Incremental: ms between polls once the source caught up. */
  readonly pollInterval?: number;
  /** Incremental, timestamp columns: only read rows whose `incrementalColumn` is at least this many ms old. */
  readonly lag?: number;
}

export const DEFAULT_FETCH_SIZE = 1_000;
export const DEFAULT_POLL_INTERVAL_MS = 1_000;
/** Key ranges per reader subtask when `splits` is not set. */
export const DEFAULT_SPLITS_PER_SUBTASK = 4;
