import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUNDLE_FILE, bundlePipelineSchema } from './bundle-pipeline-schema';

/** The bundle's text as committed: two-space JSON and a final newline. */
export function editorSchemaText(root: string): string {
  return `${JSON.stringify(bundlePipelineSchema(root), null, 2)}\n`;
}

/** Writes `config-schemas/pipeline.bundled.schema.json` when it differs; returns whether it did. */
export async function syncEditorSchema(root: string, write: boolean): Promise<boolean> {
  const path = join(root, 'config-schemas', BUNDLE_FILE);
  const text = editorSchemaText(root);
  if ((await readFile(path, 'utf8').catch(() => undefined)) === text) return false;
  if (write) await writeFile(path, text);
  return true;
}

if (require.main === module) {
  void syncEditorSchema(join(__dirname, '..', '..'), true).then((changed) => {
    process.stdout.write(changed ? `wrote config-schemas/${BUNDLE_FILE}\n` : `config-schemas/${BUNDLE_FILE} is up to date\n`);
  });
}
