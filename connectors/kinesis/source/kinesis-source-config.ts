/** The validated `type: kinesis` source config, generated from `config-schemas/kinesis/source.schema.json`. */
export type { KinesisSourceConfig } from './kinesis-source-config.generated';
