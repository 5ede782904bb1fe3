/**
 * Benchmark (not a test; run with `npm run bench:elasticsearch`): the Elasticsearch sink — default ids (`create`
 * with the record origin as id) and `documentId` + external `version` (`index`) — against a raw loop of `_bulk`
 * requests of the same size (512 `create` actions with the same ids) sent one after another with the same client, on
 * the same server in the same run. The sink is driven through its plugin API the way the engine drives it (write in
 * batches of 512, `flush` at each checkpoint of 10,000 records), so the figure is the sink's cost, not the
 * pipeline's. A sink request holds at most one engine batch (the writer answers for every record of a `write` before
 * it returns, so that a refused document is reported with its own record), hence 512 actions on both sides. Prints a table; machines are shared and noisy, so read the ratios, not the absolute numbers.
 *   LOCKSTEP_ELASTICSEARCH_URL (unset: a local Elasticsearch is started for the run and stopped after it)
 *   BENCH_DOCS (per run, default 100,000)   BENCH_ROUNDS (default 3)   BENCH_CONCURRENCY (sink, default 1)
 */
import { randomUUID } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import pino from 'pino';
import type { LockstepRecord } from '../core/api/record';
import { percentile } from '../core/runtime/pipeline-metrics';
import { testPluginContext, testSinkWriterInitContext, validatedConfig } from '../core/testing';
import { ElasticsearchSink, elasticsearchSinkPlugin } from '../connectors/elasticsearch';
import { benchService, progress } from './bench-services';
import { benchDoc, rawBulkLoop } from './elasticsearch-bench-docs';

const DOCS = Number(process.env.BENCH_DOCS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 1);
/** What the engine hands a writer per `write` call (its default batch size). */
const ENGINE_BATCH = 512;
const PER_CHECKPOINT = 10_000;
/** Actions per `_bulk` request of both: one engine batch (the sink's bulkActions, 1,000, is not reached). */
const BULK_ACTIONS = ENGINE_BATCH;

type Variant = 'raw' | 'origin' | 'versioned';
const LABELS: Record<Variant, string> = {
  raw: `raw _bulk loop, ${BULK_ACTIONS} create actions per request`,
  origin: 'sink, default ids (create, origin as id)',
  versioned: 'sink, documentId + external version (index)',
};

async function sinkLoop(url: string, index: string, variant: 'origin' | 'versioned'): Promise<void> {
  const options = variant === 'origin' ? {} : { documentId: 'value.id', version: 'value.seq' };
  const config = validatedConfig(elasticsearchSinkPlugin, { id: 'es', node: url, index, bulkActions: 1_000, concurrency: CONCURRENCY, ...options });
  const sink = new ElasticsearchSink(config, testPluginContext({ componentId: 'es' }));
  const writer = sink.createWriter(testSinkWriterInitContext({ componentId: 'es', log: pino({ level: 'silent' }) }));
  await writer.init();
  try {
    for (let start = 0; start < DOCS; start += PER_CHECKPOINT) {
      const end = Math.min(DOCS, start + PER_CHECKPOINT);
      for (let from = start; from < end; from += ENGINE_BATCH) {
        const records: LockstepRecord[] = [];
        for (let seq = from; seq < Math.min(end, from + ENGINE_BATCH); seq += 1) records.push({ value: benchDoc(seq), origin: `bench@${seq}` });
        await writer.write(records);
      }
      await writer.flush(false);
    }
  } finally {
    await writer.close();
  }
}

async function main(): Promise<void> {
  const { service, stop } = await benchService('elasticsearch', () => {
    const url = process.env.LOCKSTEP_ELASTICSEARCH_URL;
    return url === undefined || url === '' ? undefined : { url, version: 'external' };
  });
  const { url } = service;
  const client = new Client({ node: url });
  const indices: string[] = [];
  try {
    const version = (await client.info()).version.number;
    const rows: string[][] = [];
    const rates = new Map<Variant, number[]>();
    for (let round = 0; round < ROUNDS; round += 1) {
      // Rotate the order so warm-up and machine noise hit every variant alike.
      const order: Variant[] = ['raw', 'origin', 'versioned'];
      for (let r = 0; r < round; r += 1) order.push(order.shift() as Variant);
      for (const variant of order) {
        const index = `bench-${randomUUID().slice(0, 12)}`;
        indices.push(index);
        await client.indices.create({ index, settings: { number_of_shards: 1, number_of_replicas: 0 } });
        progress(`round ${round + 1}: ${LABELS[variant]}…`);
        const started = performance.now();
        if (variant === 'raw') await rawBulkLoop(client, index, DOCS, BULK_ACTIONS);
        else await sinkLoop(url, index, variant);
        const seconds = (performance.now() - started) / 1000;
        await client.indices.refresh({ index });
        const written = (await client.count({ index })).count;
        if (written !== DOCS) throw new Error(`${LABELS[variant]} wrote ${written} documents, not ${DOCS}`);
        const rate = DOCS / seconds;
        rates.set(variant, [...(rates.get(variant) ?? []), rate]);
        rows.push([`round ${round + 1}`, LABELS[variant], String(Math.round(rate))]);
        await client.indices.delete({ index });
        indices.pop();
      }
    }
    const median = (values: readonly number[]): number => percentile([...values], 50) ?? 0;
    const out = process.stdout;
    out.write(`\nElasticsearch sink, ${DOCS.toLocaleString('en')} documents per run (5 fields, ~130 B), Elasticsearch ${version}, sink concurrency ${CONCURRENCY}\n\n`);
    out.write('| run | variant | documents/s |\n|---|---|---|\n');
    for (const line of rows) out.write(`| ${line.join(' | ')} |\n`);
    out.write('\n| measure | value |\n|---|---|\n');
    const raw = median(rates.get('raw') ?? []);
    for (const variant of ['origin', 'versioned'] as const) {
      out.write(`| ${LABELS[variant]} ÷ raw (medians) | ${(median(rates.get(variant) ?? []) / raw).toFixed(3)} |\n`);
    }
  } finally {
    for (const index of indices) await client.indices.delete({ index, ignore_unavailable: true }).catch(() => undefined);
    await client.close();
    await stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
