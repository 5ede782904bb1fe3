import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeSourceConformance, makeTempDir, removeTempDir, type SourceFixture, validatedConfig } from '../../core/testing';
import { FileSource } from './file-source';
import { fileSourcePlugin } from './file-source-plugin';

/** Lines `{"id":"<file>-<n>"}` with the awkward cases a reader meets: CRLF, blank lines, no final newline. */
function jsonLines(file: string, count: number, style: 'lf' | 'crlf' | 'no-final-newline' | 'blank-lines'): string {
  const line = (n: number): string => JSON.stringify({ id: `${file}-${n}`, note: 'ü'.repeat(n % 5) });
  const lines = Array.from({ length: count }, (_, n) => line(n));
  if (style === 'crlf') return `${lines.join('\r\n')}\r\n`;
  if (style === 'no-final-newline') return lines.join('\n');
  if (style === 'blank-lines') return `\n${lines.join('\n\n')}\n\n`;
  return `${lines.join('\n')}\n`;
}

const FILES = [
  { name: 'a.jsonl', count: 90, style: 'lf' },
  { name: 'b.jsonl', count: 0, style: 'lf' },
  { name: 'c.json', count: 45, style: 'crlf' },
  { name: 'd.jsonl', count: 60, style: 'no-final-newline' },
  { name: 'e.jsonl', count: 33, style: 'blank-lines' },
] as const;

async function folderFixture(singleFile: boolean): Promise<SourceFixture> {
  const dir = await makeTempDir('file-source-conformance');
  const expectedIds: string[] = [];
  for (const { name, count, style } of FILES) {
    await writeFile(join(dir, name), jsonLines(name, count, style));
    if (!singleFile || name === 'a.jsonl') expectedIds.push(...Array.from({ length: count }, (_, n) => `${name}-${n}`));
  }
  await writeFile(join(dir, 'ignored.txt'), jsonLines('ignored.txt', 3, 'lf'));
  await writeFile(join(dir, '.hidden.jsonl'), jsonLines('.hidden.jsonl', 3, 'lf'));
  const path = singleFile ? 'a.jsonl' : '.';
  return {
    // small chunks, so lines cross chunk boundaries and checkpoints fall between chunk reads
    createSource: () => new FileSource(validatedConfig(fileSourcePlugin, { path }), dir, { chunkBytes: 100 }),
    expectedIds,
    recordId: (record) => (JSON.parse(record.value as string) as { id: string }).id,
    parallelism: 2,
    cleanup: () => removeTempDir(dir),
  };
}

describeSourceConformance('file (folder)', { setup: () => folderFixture(false) });
describeSourceConformance('file (single file)', { setup: () => folderFixture(true), seeds: [1, 2, 3] });
