import type { SinkPlugin } from '../../core/sdk';
import { ElasticsearchSink } from './elasticsearch-sink';
import type { ElasticsearchSinkConfig } from './elasticsearch-sink-config';

/** `type: elasticsearch` in a pipeline's `sinks`. */
export const elasticsearchSinkPlugin: SinkPlugin<ElasticsearchSinkConfig> = {
  kind: 'sink',
  type: 'elasticsearch',
  configSchema: 'elasticsearch/sink.schema.json',
  create: (config, context) => new ElasticsearchSink(config, context),
};
