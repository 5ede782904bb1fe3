import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { committedSeqs } from '../../support/committed-part-files';
import { pace, pipelineHead, verdictOf, type ChaosPipeline } from './chaos-pipeline';

/**
 * Generator (`records` records, paced) → exactly-once files, parallelism 2. Oracle: the committed `part-*.jsonl` files
 * read from disk hold every `seq` once.
 */
export const generatorFilePipeline: ChaosPipeline = {
  name: 'generator-file',
  async prepare(context) {
    const out = join(context.dir, 'out');
    const pipelineFile = join(context.dir, 'pipeline.yaml');
    await writeFile(
      pipelineFile,
      [
        ...pipelineHead(`chaos-gf-${context.id}`, context, 2),
        'sources:',
        `  - { id: gen, type: generator, count: ${context.records}, ratePerSecond: ${pace(context)} }`,
        'sinks:',
        `  - { id: out, type: file, path: "${out}" }`,
        '',
      ].join('\n'),
    );
    return {
      pipelineFile,
      verify: async () => {
        const seqs = await committedSeqs(out).catch(() => []);
        return verdictOf(context.records, seqs.map((seq) => `r-${seq}`), []);
      },
      cleanup: async () => undefined,
    };
  },
};
