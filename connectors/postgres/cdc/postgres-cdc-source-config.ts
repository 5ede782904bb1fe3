import type { PostgresConnectionOptions } from '../connection';

/**
 * A validated `type: postgres-cdc` source config (`config-schemas/postgres/cdc-source.schema.json`); durations in
 * ms. The common keys `id`, `type` and `parallelism` are handled by the engine.
 */
export interface PostgresCdcSourceConfig extends PostgresConnectionOptions {
  readonly id?: string;
  readonly type?: 'postgres-cdc';
  readonly parallelism?: number;
  /** Publication to stream; created when absent, `FOR TABLE` these tables or `FOR ALL TABLES`. */
  readonly publication: string;
  /** Logical replication slot (pgoutput) this source owns; created when absent. */
  readonly slot: string;
  /** `table` or `schema.table`, for creating the publication. */
  readonly tables?: readonly string[];
  /** Create the publication `FOR ALL TABLES` (needs superuser). */
  readonly allTables?: boolean;
  /** `initial`: a fresh start reads the published tables (op `read`) before streaming; `never`: streaming only. */
  readonly snapshot?: 'initial' | 'never';
  /** Emit a non-transactional logical message this often so an idle slot keeps advancing; 0 or absent: off. */
  readonly heartbeatInterval?: number;
  /** How often a standby status update is sent besides the ones keepalives ask for. */
  readonly statusInterval?: number;
  /** Records read ahead of the pipeline before the stream is paused. */
  readonly maxBufferedRecords?: number;
}

export const DEFAULT_STATUS_INTERVAL_MS = 10_000;
export const DEFAULT_MAX_BUFFERED_RECORDS = 10_000;
