import type { SinkPlugin } from '../../../core/sdk';
import type { KafkaSinkConfig } from './kafka-sink-config';
import { createKafkaSink } from './kafka-sink';

/** `type: kafka` in a pipeline's `sinks`. */
export const kafkaSinkPlugin: SinkPlugin<KafkaSinkConfig> = {
  kind: 'sink',
  type: 'kafka',
  configSchema: 'kafka/sink.schema.json',
  create: (config, context) => createKafkaSink(config, context),
};
