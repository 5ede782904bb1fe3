import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeSinkConformance, makeTempDir, removeTempDir, validatedConfig } from '../../core/testing';
import { FileSink } from './file-sink';
import { fileSinkPlugin } from './file-sink-plugin';
import { PENDING_FOLDER } from './part-file-names';

/** What a user listing the output folder sees: the values of every line of every committed part file. */
async function readCommitted(dir: string): Promise<unknown[]> {
  const values: unknown[] = [];
  for (const name of (await readdir(dir)).filter((entry) => /^part-.*\.jsonl$/.test(entry)).sort()) {
    const text = await readFile(join(dir, name), 'utf8');
    for (const line of text.split('\n')) if (line.length > 0) values.push(JSON.parse(line));
  }
  return values;
}

async function listPending(dir: string): Promise<string[]> {
  try {
    return await readdir(join(dir, PENDING_FOLDER));
  } catch {
    return [];
  }
}

describeSinkConformance('file', {
  mechanism: 'two-phase-commit',
  traceInspection: true,
  setup: async () => {
    const root = await makeTempDir('file-sink-conformance');
    const dir = join(root, 'out');
    return {
      createSink: () => new FileSink(validatedConfig(fileSinkPlugin, { path: 'out' }), root),
      readCommitted: () => readCommitted(dir),
      listUncommitted: () => listPending(dir),
      cleanup: () => removeTempDir(root),
    };
  },
});
