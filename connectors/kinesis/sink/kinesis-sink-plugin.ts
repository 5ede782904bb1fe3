import type { SinkPlugin } from '../../../core/sdk';
import { KinesisSink } from './kinesis-sink';
import type { KinesisSinkConfig } from './kinesis-sink-config';

/** `type: kinesis` in a pipeline's `sinks`. */
export const kinesisSinkPlugin: SinkPlugin<KinesisSinkConfig> = {
  kind: 'sink',
  type: 'kinesis',
  configSchema: 'kinesis/sink.schema.json',
  create: (config, context) => new KinesisSink(config, context),
};
