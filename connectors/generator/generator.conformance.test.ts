import { describeSourceConformance, validatedConfig } from '../../core/testing';
import { GeneratorSource } from './generator-source';
import { generatorSourcePlugin } from './generator-source-plugin';
import type { GeneratorValue } from './generator-record';

const COUNT = 257;

describeSourceConformance('generator', {
  setup: async () => ({
    createSource: () => new GeneratorSource(validatedConfig(generatorSourcePlugin, { count: COUNT })),
    expectedIds: Array.from({ length: COUNT }, (_, seq) => String(seq)),
    recordId: (record) => String((record.value as GeneratorValue).seq),
    parallelism: 3,
    cleanup: async () => undefined,
  }),
});
