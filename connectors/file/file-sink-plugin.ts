import type { SinkPlugin } from '../../core/sdk';
import { FileSink } from './file-sink';
import type { FileSinkConfig } from './file-sink-config.generated';

/** `type: file` in a pipeline's `sinks`. */
export const fileSinkPlugin: SinkPlugin<FileSinkConfig> = {
  kind: 'sink',
  type: 'file',
  configSchema: 'file/sink.schema.json',
  create: (config, context) => new FileSink(config, context.baseDir),
};
