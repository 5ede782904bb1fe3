import type { SourcePlugin } from '../../../core/sdk';
import { PostgresCdcSource } from './postgres-cdc-source';
import type { PostgresCdcSourceConfig } from './postgres-cdc-source-config';

/** `type: postgres-cdc` in a pipeline's `sources`. */
export const postgresCdcSourcePlugin: SourcePlugin<PostgresCdcSourceConfig> = {
  kind: 'source',
  type: 'postgres-cdc',
  configSchema: 'postgres/cdc-source.schema.json',
  create: (config, context) => new PostgresCdcSource(config, context),
};
