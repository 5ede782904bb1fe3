import type { SourcePlugin } from '../../../core/sdk';
import { KinesisSource } from './kinesis-source';
import type { KinesisSourceConfig } from './kinesis-source-config';

/** `type: kinesis` in a pipeline's `sources`. */
export const kinesisSourcePlugin: SourcePlugin<KinesisSourceConfig> = {
  kind: 'source',
  type: 'kinesis',
  configSchema: 'kinesis/source.schema.json',
  create: (config, context) => new KinesisSource(config, context),
};
