/** The validated `type: kinesis` sink config, generated from `config-schemas/kinesis/sink.schema.json`. */
export type { KinesisSinkConfig } from './kinesis-sink-config.generated';
