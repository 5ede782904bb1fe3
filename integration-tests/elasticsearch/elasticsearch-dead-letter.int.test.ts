import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { testServices } from '../env';
import { startLockstep } from '../support/lockstep-process';
import { createIndex, oracleClient, readDocuments, uniqueIndex } from './elasticsearch-fixtures';

/**
 * `lockstep run` of file → json → Elasticsearch with `errors.policy: dead-letter`: documents the index mapping refuses
 * (400) land in the dead-letter file sink with the document id and the server's reason; the others are in the index.
 */
const { url } = testServices().elasticsearch;

interface DeadLetterLine {
  readonly error: { readonly code: string; readonly message: string; readonly component: string };
  readonly origin: string;
  readonly value: unknown;
}

async function deadLetters(dir: string): Promise<DeadLetterLine[]> {
  const files = (await readdir(dir)).filter((name) => /^part-.*\.jsonl$/.test(name));
  const lines = await Promise.all(files.map(async (name) => (await readFile(join(dir, name), 'utf8')).split('\n').filter((line) => line !== '')));
  return lines.flat().map((line) => JSON.parse(line) as DeadLetterLine);
}

describe('elasticsearch sink in a pipeline: mapping errors to the dead-letter sink', () => {
  let client: Client;
  let dir: string;
  let index: string;

  beforeEach(async () => {
    client = oracleClient();
    index = uniqueIndex('dlq');
    dir = await mkdtemp(join(tmpdir(), 'lockstep-es-dlq-'));
    await createIndex(client, index, { id: { type: 'keyword' }, n: { type: 'integer' } });
  });

  afterEach(async () => {
    await client.indices.delete({ index, ignore_unavailable: true });
    await client.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends each refused document with its id and reason to the dead-letter sink and writes the rest', async () => {
    const input = Array.from({ length: 40 }, (_, i) => JSON.stringify({ id: `d-${i}`, n: i % 10 === 3 ? `bad-${i}` : i }));
    await writeFile(join(dir, 'in.jsonl'), `${input.join('\n')}\n`);
    const pipeline = [
      'name: es-dead-letter',
      'guarantee: exactly-once',
      `checkpoint: { interval: 1s, storage: "${join(dir, 'checkpoints')}" }`,
      'parallelism: 1',
      'errors: { policy: dead-letter, sink: dlq }',
      'sources:',
      `  - { id: in, type: file, path: "${join(dir, 'in.jsonl')}" }`,
      'transforms:',
      '  - { id: parse, type: json }',
      'sinks:',
      `  - { id: es, type: elasticsearch, node: "${url}", index: ${index}, documentId: value.id }`,
      `  - { id: dlq, type: file, path: "${join(dir, 'dlq')}" }`,
      '',
    ].join('\n');
    await writeFile(join(dir, 'pipeline.yaml'), pipeline);
    const run = startLockstep(['run', join(dir, 'pipeline.yaml')], join(dir, 'run.log'));
    const code = await run.exited;
    if (code !== 0) process.stdout.write(await readFile(join(dir, 'run.log'), 'utf8'));
    expect(code).toBe(0);

    const stored = await readDocuments(client, index);
    const good = input.map((line) => JSON.parse(line) as { id: string; n: unknown }).filter((doc) => typeof doc.n === 'number');
    expect(stored.map((document) => document.id)).toEqual(good.map((doc) => doc.id).sort());
    const letters = (await deadLetters(join(dir, 'dlq'))).sort((a, b) => a.origin.localeCompare(b.origin, 'en', { numeric: true }));
    expect(letters.map((letter) => (letter.value as { id: string }).id)).toEqual(['d-3', 'd-13', 'd-23', 'd-33']);
    for (const letter of letters) {
      const id = (letter.value as { id: string }).id;
      expect(letter.error.code).toBe('LS_ELASTICSEARCH_REJECTED');
      expect(letter.error.component).toBe('es');
      expect(letter.error.message).toContain(`document ${id} of index ${index} (HTTP 400)`);
      expect(letter.error.message).toMatch(/document_parsing_exception: .*failed to parse field \[n\] of type \[integer\]/);
    }
  }, 120_000);
});
