import type { Client } from '@elastic/elasticsearch';
import { ElasticsearchSink, elasticsearchSinkPlugin, type ElasticsearchSinkWriter } from '../../connectors/elasticsearch';
import type { LockstepRecord } from '../../core/api/record';
import { RecordError } from '../../core/errors/record-error';
import { testPluginContext, testSinkWriterInitContext, validatedConfig } from '../../core/testing';
import { testServices } from '../env';
import { countDocuments, createIndex, oracleClient, readDocuments, uniqueIndex } from './elasticsearch-fixtures';

/**
 * Elasticsearch sink behaviour beyond the conformance suite, against the test bed's server and checked with the
 * client (not the sink): a replay after recovery leaves the index identical, external-version conflicts count as
 * applied, a mapping error is a record error with the document id and the server's reason, deletes delete.
 */
const { url } = testServices().elasticsearch;

describe('elasticsearch sink', () => {
  let client: Client;
  let index: string;
  const writers: ElasticsearchSinkWriter[] = [];

  beforeEach(async () => {
    client = oracleClient();
    index = uniqueIndex('sink');
    await createIndex(client, index, { id: { type: 'keyword' }, n: { type: 'integer' }, v: { type: 'long' } });
  });

  afterEach(async () => {
    await Promise.allSettled(writers.splice(0).map((writer) => writer.close()));
    await client.indices.delete({ index, ignore_unavailable: true });
    await client.close();
  });

  async function openWriter(options: object = {}): Promise<ElasticsearchSinkWriter> {
    const sink = new ElasticsearchSink(validatedConfig(elasticsearchSinkPlugin, { id: 'es', node: url, index, bulkActions: 50, ...options }), testPluginContext());
    const writer = sink.createWriter(testSinkWriterInitContext()) as ElasticsearchSinkWriter;
    writers.push(writer);
    await writer.init();
    return writer;
  }

  const records = (from: number, to: number, origin = 'orders/0'): LockstepRecord[] =>
    Array.from({ length: to - from }, (_, i) => ({ value: { id: `r-${from + i}`, n: from + i }, origin: `${origin}@${from + i}` }));

  it('rewrites nothing on a replay after recovery: _count, ids, _versions and sources stay identical (default ids)', async () => {
    const first = await openWriter();
    await first.write(records(0, 300));
    await first.flush();
    await first.close();
    const before = await readDocuments(client, index);
    expect(before).toHaveLength(300);
    expect(before.map((document) => document.id)).toEqual(records(0, 300).map((record) => record.origin).sort());
    expect(new Set(before.map((document) => document.version))).toEqual(new Set([1]));

    // The recovered run replays the last 200 records, then goes on with new ones.
    const second = await openWriter();
    await second.write(records(100, 300));
    await second.flush();
    expect(second.counts).toMatchObject({ applied: 0, conflicts: 200 });
    expect(await readDocuments(client, index)).toEqual(before);
    await second.write(records(300, 320));
    await second.flush();
    expect(await countDocuments(client, index)).toBe(320);
  });

  it('counts an external-version conflict as applied: an older or equal version never overwrites a newer one', async () => {
    const writer = await openWriter({ documentId: 'value.id', version: 'value.v' });
    const doc = (id: string, v: number, n: number): LockstepRecord => ({ value: { id, v, n }, origin: `t/0@${id}-${v}` });
    await writer.write([doc('a', 5, 1), doc('b', 2, 1)]);
    await writer.write([doc('a', 3, 2), doc('a', 5, 3), doc('b', 7, 4)]);
    await writer.flush();
    expect(writer.counts).toMatchObject({ applied: 3, conflicts: 2, rejected: 0 });
    const stored = await readDocuments(client, index);
    expect(stored.map(({ id, version, source }) => ({ id, version, n: source.n }))).toEqual([
      { id: 'a', version: 5, n: 1 },
      { id: 'b', version: 7, n: 4 },
    ]);
  });

  it('refuses a document the mapping rejects as a record error with its id and the server reason; the others are written once', async () => {
    const writer = await openWriter({ documentId: 'value.id' });
    const batch: LockstepRecord[] = [
      { value: { id: 'ok-1', n: 1 }, origin: 'f:1' },
      { value: { id: 'bad-1', n: 'not a number' }, origin: 'f:2' },
      { value: { id: 'ok-2', n: 2 }, origin: 'f:3' },
      { value: { id: 'bad-2', n: { nested: true } }, origin: 'f:4' },
      { value: { id: 'ok-3', n: 3 }, origin: 'f:5' },
    ];
    const refused: RecordError[] = [];
    let rest = batch;
    // What the engine does: apply the policy to the refused record, write the rest again.
    while (rest.length > 0) {
      try {
        await writer.write(rest);
        rest = [];
      } catch (error) {
        if (!RecordError.isRecordError(error)) throw error;
        refused.push(error);
        rest = rest.slice(rest.indexOf(error.record) + 1);
      }
    }
    await writer.flush();
    expect(refused.map((error) => [error.code, error.record.origin])).toEqual([
      ['LS_ELASTICSEARCH_REJECTED', 'f:2'],
      ['LS_ELASTICSEARCH_REJECTED', 'f:4'],
    ]);
    expect(refused[0]?.message).toMatch(/document bad-1 of index .*\(HTTP 400\): document_parsing_exception: .*failed to parse field \[n\]/);
    const stored = await readDocuments(client, index);
    expect(stored.map((document) => [document.id, document.version])).toEqual([
      ['ok-1', 1],
      ['ok-2', 1],
      ['ok-3', 1],
    ]);
    expect(writer.counts).toMatchObject({ applied: 3, rejected: 2 });
  });

  it('deletes what a CDC stream deletes (operation from a field); a delete of a missing document counts as done', async () => {
    const writer = await openWriter({ documentId: 'value.id', operationField: 'value.op', document: 'value.after' });
    const change = (op: string, id: string, n: number): LockstepRecord => ({ value: { op, id, after: op === 'd' ? null : { id, n } }, origin: `cdc@${id}-${op}` });
    await writer.write([change('c', 'x', 1), change('c', 'y', 2), change('c', 'z', 3)]);
    await writer.write([change('u', 'y', 20), change('d', 'x', 0), change('d', 'never', 0)]);
    await writer.flush();
    const stored = await readDocuments(client, index);
    expect(stored.map(({ id, source }) => [id, source.n])).toEqual([
      ['y', 20],
      ['z', 3],
    ]);
    expect(await countDocuments(client, index)).toBe(2);
    expect(writer.counts).toMatchObject({ missingDeletes: 1, rejected: 0 });
    // The replay of the same changes ends in the same index.
    await writer.write([change('c', 'x', 1), change('c', 'y', 2), change('c', 'z', 3), change('u', 'y', 20), change('d', 'x', 0)]);
    await writer.flush();
    expect((await readDocuments(client, index)).map(({ id, source }) => [id, source.n])).toEqual([
      ['y', 20],
      ['z', 3],
    ]);
  });

  it('writes to an index named from a record field and a date of its timestamp', async () => {
    const writer = await openWriter({ index: `${index}-{value.region}-{timestamp:yyyy.MM}` });
    await writer.write([{ value: { region: 'eu', n: 1 }, timestamp: Date.UTC(2026, 10, 3), origin: 't/0@1' }]);
    await writer.flush();
    const target = `${index}-eu-2026.11`;
    try {
      expect(await countDocuments(client, target)).toBe(1);
    } finally {
      await client.indices.delete({ index: target, ignore_unavailable: true });
    }
  });

  it('retries only the items that failed with 429 until they succeed; the others are sent once', async () => {
    // read_only_allow_delete is the block of the flood-stage disk watermark: Elasticsearch answers its writes with 429.
    const blocked = `${index}-b`;
    await createIndex(client, `${index}-a`, { n: { type: 'integer' } });
    await createIndex(client, blocked, { n: { type: 'integer' } });
    await client.indices.putSettings({ index: blocked, settings: { 'index.blocks.read_only_allow_delete': true } });
    try {
      const writer = await openWriter({ index: `${index}-{value.part}`, maxRetries: 40 });
      const batch = Array.from({ length: 20 }, (_, i): LockstepRecord => ({ value: { part: i % 2 === 0 ? 'a' : 'b', n: i }, origin: `t/0@${i}` }));
      const written = writer.write(batch);
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(await countDocuments(client, blocked)).toBe(0);
      await client.indices.putSettings({ index: blocked, settings: { 'index.blocks.read_only_allow_delete': null } });
      await written;
      await writer.flush();
      const a = await readDocuments(client, `${index}-a`);
      const b = await readDocuments(client, blocked);
      expect([a.length, b.length]).toEqual([10, 10]);
      expect(new Set([...a, ...b].map((document) => document.version))).toEqual(new Set([1]));
      expect(writer.counts).toMatchObject({ applied: 20, conflicts: 0, rejected: 0 });
    } finally {
      await client.indices.delete({ index: [`${index}-a`, blocked], ignore_unavailable: true });
    }
  });

  it('fails with a retriable connection error when no node answers', async () => {
    const sink = new ElasticsearchSink(validatedConfig(elasticsearchSinkPlugin, { id: 'es', node: 'http://127.0.0.1:1', index }), testPluginContext());
    const writer = sink.createWriter(testSinkWriterInitContext());
    await expect(writer.init()).rejects.toMatchObject({ code: 'LS_ELASTICSEARCH_CONNECTION', retriable: true });
  });
});
