import { randomUUID } from 'node:crypto';
import { Client, type estypes } from '@elastic/elasticsearch';
import { testServices } from '../env';

/** A client of the test bed's Elasticsearch, independent of the sink (the oracle of the tests). */
export function oracleClient(): Client {
  return new Client({ node: testServices().elasticsearch.url });
}

/** A fresh index name (lower case, unique per call). */
export function uniqueIndex(prefix: string): string {
  return `lockstep-${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Creates an index of one shard and no replicas (the test bed is one node), with the given mapping. */
export async function createIndex(client: Client, index: string, properties: Record<string, estypes.MappingProperty> = {}): Promise<void> {
  await client.indices.create({ index, settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: { properties } });
}

/** One stored document as the oracle sees it. */
export interface StoredDocument {
  readonly id: string;
  readonly version: number;
  readonly source: Record<string, unknown>;
}

/** Every document of `index` after a refresh, sorted by id, read with the scroll helper of the client. */
export async function readDocuments(client: Client, index: string): Promise<StoredDocument[]> {
  await client.indices.refresh({ index });
  const documents: StoredDocument[] = [];
  const scroll = client.helpers.scrollSearch<Record<string, unknown>>({ index, size: 5_000, version: true, query: { match_all: {} } });
  for await (const page of scroll) {
    for (const hit of page.body.hits.hits) documents.push({ id: hit._id as string, version: hit._version as number, source: hit._source ?? {} });
  }
  return documents.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** `_count` of `index` after a refresh. */
export async function countDocuments(client: Client, index: string): Promise<number> {
  await client.indices.refresh({ index });
  return (await client.count({ index })).count;
}
