import type { PostgresTableSourceConfig } from './postgres-table-source-config.generated';

/** The validated `type: postgres` source config, generated from `config-schemas/postgres/table-source.schema.json`. */
export type { PostgresTableSourceConfig } from './postgres-table-source-config.generated';

/** `bounded`: read what the table holds (split by key ranges), then end. `incremental`: poll for new rows forever. */
export type PostgresTableSourceMode = PostgresTableSourceConfig['mode'];

/** Key ranges per reader subtask when `splits` is not set (not a schema default: it scales with the parallelism). */
export const DEFAULT_SPLITS_PER_SUBTASK = 4;
