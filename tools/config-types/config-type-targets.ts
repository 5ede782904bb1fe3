import { join } from 'node:path';

/** One generated file: the type `typeName` of the configs `schema` (under `config-schemas/`) validates. */
export interface ConfigTypeTarget {
  readonly schema: string;
  readonly output: string;
  readonly typeName: string;
}

/**
 * Every schema with a config type, and where the type goes (beside the code that uses it: connectors import no
 * `config-schemas/` path, only their own folder and `core/sdk`). `kafka/client.schema.json` and
 * `postgres/connection.schema.json` hold only `$defs`: they are inlined into the schemas that `$ref` them.
 */
export const CONFIG_TYPE_TARGETS: readonly ConfigTypeTarget[] = [
  { schema: 'pipeline.schema.json', output: 'core/config/pipeline-document.generated.ts', typeName: 'PipelineDocument' },
  { schema: 'file/source.schema.json', output: 'connectors/file/file-source-config.generated.ts', typeName: 'FileSourceConfig' },
  { schema: 'elasticsearch/sink.schema.json', output: 'connectors/elasticsearch/elasticsearch-sink-config.generated.ts', typeName: 'ElasticsearchSinkConfig' },
  { schema: 'file/sink.schema.json', output: 'connectors/file/file-sink-config.generated.ts', typeName: 'FileSinkConfig' },
  {
    schema: 'generator/source.schema.json',
    output: 'connectors/generator/generator-source-config.generated.ts',
    typeName: 'GeneratorSourceConfig',
  },
  { schema: 'kafka/source.schema.json', output: 'connectors/kafka/source/kafka-source-config.generated.ts', typeName: 'KafkaSourceConfig' },
  { schema: 'kafka/sink.schema.json', output: 'connectors/kafka/sink/kafka-sink-config.generated.ts', typeName: 'KafkaSinkConfig' },
  {
    schema: 'kinesis/source.schema.json',
    output: 'connectors/kinesis/source/kinesis-source-config.generated.ts',
    typeName: 'KinesisSourceConfig',
  },
  { schema: 'kinesis/sink.schema.json', output: 'connectors/kinesis/sink/kinesis-sink-config.generated.ts', typeName: 'KinesisSinkConfig' },
  {
    schema: 'postgres/cdc-source.schema.json',
    output: 'connectors/postgres/cdc/postgres-cdc-source-config.generated.ts',
    typeName: 'PostgresCdcSourceConfig',
  },
  { schema: 'postgres/sink.schema.json', output: 'connectors/postgres/sink/postgres-sink-config.generated.ts', typeName: 'PostgresSinkConfig' },
  {
    schema: 'postgres/table-source.schema.json',
    output: 'connectors/postgres/table/postgres-table-source-config.generated.ts',
    typeName: 'PostgresTableSourceConfig',
  },
  { schema: 'stdout/sink.schema.json', output: 'connectors/stdout/stdout-sink-config.generated.ts', typeName: 'StdoutSinkConfig' },
  { schema: 'transforms/filter.schema.json', output: 'connectors/transforms/filter-transform-config.generated.ts', typeName: 'FilterTransformConfig' },
  { schema: 'transforms/json.schema.json', output: 'connectors/transforms/json-transform-config.generated.ts', typeName: 'JsonTransformConfig' },
  { schema: 'transforms/map.schema.json', output: 'connectors/transforms/map-transform-config.generated.ts', typeName: 'MapTransformConfig' },
  { schema: 'transforms/module.schema.json', output: 'connectors/transforms/module-transform-config.generated.ts', typeName: 'ModuleTransformConfig' },
  {
    schema: 'transforms/throttle.schema.json',
    output: 'connectors/transforms/throttle-transform-config.generated.ts',
    typeName: 'ThrottleTransformConfig',
  },
];

/** The repository root (this file is `tools/config-types/…`). */
export const REPOSITORY_ROOT = join(__dirname, '..', '..');

