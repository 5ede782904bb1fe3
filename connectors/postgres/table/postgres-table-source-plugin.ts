import type { SourcePlugin } from '../../../core/sdk';
import { PostgresTableSource } from './postgres-table-source';
import type { PostgresTableSourceConfig } from './postgres-table-source-config';

/** `type: postgres` in a pipeline's `sources` (the sink of the same type is a separate plugin). */
export const postgresTableSourcePlugin: SourcePlugin<PostgresTableSourceConfig> = {
  kind: 'source',
  type: 'postgres',
  configSchema: 'postgres/table-source.schema.json',
  create: (config, context) => new PostgresTableSource(config, context),
};
