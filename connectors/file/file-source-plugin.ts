import type { SourcePlugin } from '../../core/sdk';
import { FileSource } from './file-source';
import type { FileSourceConfig } from './file-source-config.generated';

/** `type: file` in a pipeline's `sources`. */
export const fileSourcePlugin: SourcePlugin<FileSourceConfig> = {
  kind: 'source',
  type: 'file',
  configSchema: 'file/source.schema.json',
  create: (config, context) => new FileSource(config, context.baseDir),
};
