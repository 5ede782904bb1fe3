import type { SourcePlugin } from '../../core/sdk';
import type { GeneratorSourceConfig } from './generator-source-config.generated';
import { GeneratorSource } from './generator-source';

/** `type: generator` in a pipeline's `sources`. */
export const generatorSourcePlugin: SourcePlugin<GeneratorSourceConfig> = {
  kind: 'source',
  type: 'generator',
  configSchema: 'generator/source.schema.json',
  create: (config) => new GeneratorSource(config),
};
