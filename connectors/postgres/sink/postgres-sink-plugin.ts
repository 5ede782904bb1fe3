import type { SinkPlugin } from '../../../core/sdk';
import { createPostgresSink } from './postgres-sink';
import type { PostgresSinkConfig } from './postgres-sink-config';

/** `type: postgres` in a pipeline's `sinks`. */
export const postgresSinkPlugin: SinkPlugin<PostgresSinkConfig> = {
  kind: 'sink',
  type: 'postgres',
  configSchema: 'postgres/sink.schema.json',
  create: (config, context) => createPostgresSink(config, context),
};
