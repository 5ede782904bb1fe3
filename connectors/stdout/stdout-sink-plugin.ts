import type { SinkPlugin } from '../../core/sdk';
import { StdoutSink } from './stdout-sink';
import type { StdoutSinkConfig } from './stdout-sink-config.generated';

/** `type: stdout` in a pipeline's `sinks`. */
export const stdoutSinkPlugin: SinkPlugin<StdoutSinkConfig> = {
  kind: 'sink',
  type: 'stdout',
  configSchema: 'stdout/sink.schema.json',
  create: (config) => new StdoutSink(config),
};
