import type { Plugin } from '../core/sdk';
import { elasticsearchSinkPlugin } from './elasticsearch';
import { fileSinkPlugin, fileSourcePlugin } from './file';
import { generatorSourcePlugin } from './generator';
import { kafkaSinkPlugin } from './kafka/sink';
import { kafkaSourcePlugin } from './kafka/source';
import { kinesisSinkPlugin } from './kinesis/sink';
import { kinesisSourcePlugin } from './kinesis/source';
import { postgresCdcSourcePlugin } from './postgres/cdc';
import { postgresSinkPlugin } from './postgres/sink';
import { postgresTableSourcePlugin } from './postgres/table';
import { stdoutSinkPlugin } from './stdout';
import { transformPlugins } from './transforms';

export { ElasticsearchSink, elasticsearchSinkPlugin } from './elasticsearch';
export type { ElasticsearchSinkConfig } from './elasticsearch';
export { FileSink, FileSource, fileSinkPlugin, fileSourcePlugin } from './file';
export type { FileCommittable, FileSinkConfig, FileSourceConfig, FileSplit } from './file';
export { GeneratorSource, generatorSourcePlugin } from './generator';
export type { GeneratorSourceConfig, GeneratorSplit, GeneratorValue } from './generator';
export { KafkaSink, kafkaSinkPlugin } from './kafka/sink';
export { kafkaSourcePlugin } from './kafka/source';
export type { KafkaSinkConfig } from './kafka/sink';
export { KinesisSink, kinesisSinkPlugin } from './kinesis/sink';
export type { KinesisSinkConfig } from './kinesis/sink';
export { KinesisSource, kinesisSourcePlugin } from './kinesis/source';
export type { KinesisSourceConfig } from './kinesis/source';
export { StdoutSink, stdoutSinkPlugin } from './stdout';
export type { StdoutSinkConfig } from './stdout';
export { transformPlugins } from './transforms';

/**
 * The plugins of this folder, for the plugin registry: sources `generator`, `file`, `kafka`, `kinesis`, `postgres` (table) and
 * `postgres-cdc`, sinks `file`, `stdout`, `kafka`, `kinesis`, `postgres` and `elasticsearch`, and the built-in transforms (`json`, `filter`,
 * `map`, `module`, `throttle`).
 */
export const builtinPlugins: Plugin[] = [
  generatorSourcePlugin,
  fileSourcePlugin,
  kafkaSourcePlugin,
  kinesisSourcePlugin,
  postgresCdcSourcePlugin,
  postgresTableSourcePlugin,
  fileSinkPlugin,
  kafkaSinkPlugin,
  kinesisSinkPlugin,
  postgresSinkPlugin,
  elasticsearchSinkPlugin,
  stdoutSinkPlugin,
  ...transformPlugins,
];
