import type { SourcePlugin } from '../../../core/sdk';
import { KafkaSource } from './kafka-source';
import type { KafkaSourceConfig } from './kafka-source-config';

/** `type: kafka` in a pipeline's `sources`. */
export const kafkaSourcePlugin: SourcePlugin<KafkaSourceConfig> = {
  kind: 'source',
  type: 'kafka',
  configSchema: 'kafka/source.schema.json',
  create: (config, context) => new KafkaSource(config, context),
};
