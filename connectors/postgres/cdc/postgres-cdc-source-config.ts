/** The validated `type: postgres-cdc` source config, generated from `config-schemas/postgres/cdc-source.schema.json`. */
export type { PostgresCdcSourceConfig } from './postgres-cdc-source-config.generated';
