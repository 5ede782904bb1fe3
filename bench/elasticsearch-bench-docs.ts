import type { Client } from '@elastic/elasticsearch';

/** One benchmark document (5 fields, ~130 B) for sequence number `seq`; both Elasticsearch benches write these. */
export function benchDoc(seq: number): { id: string; seq: number; customer: string; amount: number; note: string } {
  return { id: `r-${seq}`, seq, customer: `customer-${seq % 977}`, amount: (seq % 10_000) / 100, note: `order ${seq} ${'x'.repeat(64)}` };
}

/**
 * The baseline of both Elasticsearch benches: documents 0…`docs`−1, already in memory, sent as `_bulk` requests of
 * `bulkActions` `create` actions (ids `bench@<seq>`), one request after another with `client`.
 */
export async function rawBulkLoop(client: Client, index: string, docs: number, bulkActions: number): Promise<void> {
  for (let from = 0; from < docs; from += bulkActions) {
    const operations: object[] = [];
    for (let seq = from; seq < Math.min(docs, from + bulkActions); seq += 1) operations.push({ create: { _index: index, _id: `bench@${seq}` } }, benchDoc(seq));
    const response = await client.bulk({ operations });
    if (response.errors) throw new Error(`raw _bulk: an item failed: ${JSON.stringify(response.items.find((item) => item.create?.error))}`);
  }
}
