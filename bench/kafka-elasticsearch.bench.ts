/**
 * Benchmark (not a test; run with `npm run bench:kafka-elasticsearch`): the whole Kafka → Elasticsearch pipeline,
 * exactly-once effect (default ids from the Kafka position, `create`; 1 s checkpoints; a bounded Kafka source that
 * ends at the offsets present at its start), against a raw loop of `_bulk` requests of the same size (512 `create`
 * actions, one engine batch — the sink's request size) holding the same documents, already in memory, sent one
 * after another with the same client. The pipeline's time runs from its start (connections included) to its final
 * commit; the raw loop's from its first request to its last answer. Same servers, same run, rotated order. Prints a
 * table; machines are shared and noisy, so read the ratios, not the absolute numbers.
 *   LOCKSTEP_KAFKA_BROKERS, LOCKSTEP_ELASTICSEARCH_URL (unset: local servers are started for the run, stopped after)
 *   BENCH_DOCS (per run, default 100,000)   BENCH_ROUNDS (default 3)   BENCH_PARALLELISM (default 1: one partition,
 *   one subtask, as the raw loop is one sender; 2 or more: that many partitions and subtasks)
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import pino from 'pino';
import { builtinRegistry } from '../cli/builtin-registry';
import { LocalCheckpointStore } from '../core/checkpoint/local-checkpoint-store';
import { loadPipelineText } from '../core/config/pipeline-loader';
import { createComponents } from '../core/runtime/create-components';
import { PipelineMetrics, percentile } from '../core/runtime/pipeline-metrics';
import { runPipeline } from '../core/runtime/pipeline-runner';
import { createTestTopics } from '../integration-tests/support/test-kafka';
import { benchService, progress } from './bench-services';
import { benchDoc, rawBulkLoop } from './elasticsearch-bench-docs';

const DOCS = Number(process.env.BENCH_DOCS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PARALLELISM = Number(process.env.BENCH_PARALLELISM ?? 1);
/** What the engine hands a writer per `write` call, hence the most actions one sink `_bulk` request holds. */
const BULK_ACTIONS = 512;

type Variant = 'raw' | 'pipeline';
const LABELS: Record<Variant, string> = {
  raw: `raw _bulk loop, ${BULK_ACTIONS} create actions per request, documents in memory`,
  pipeline: `Kafka → Elasticsearch pipeline, exactly-once effect, 1 s checkpoints, parallelism ${PARALLELISM}`,
};

async function seedTopic(kafka: Kafka, topic: string): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let from = 0; from < DOCS; from += 5_000) {
      const messages = [];
      for (let seq = from; seq < Math.min(DOCS, from + 5_000); seq += 1) messages.push({ key: `r-${seq}`, value: JSON.stringify(benchDoc(seq)) });
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

async function pipelineRun(brokers: readonly string[], topic: string, url: string, index: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-bench-kafka-es-'));
  try {
    const registry = builtinRegistry();
    const text = `
name: bench-kafka-es-${randomUUID().slice(0, 8)}
guarantee: exactly-once
checkpoint: { interval: 1s, timeout: 60s, storage: "${join(dir, 'checkpoints')}" }
parallelism: ${PARALLELISM}
sources:
  - { id: in, type: kafka, brokers: ${JSON.stringify(brokers)}, topics: [${topic}], startFrom: earliest, bounded: latest, valueFormat: json }
sinks:
  - { id: out, type: elasticsearch, node: "${url}", index: ${index} }
`;
    const config = loadPipelineText(text, { file: join(dir, 'pipeline.yaml'), registry });
    await runPipeline({
      components: () => createComponents(config, registry),
      store: new LocalCheckpointStore(config.checkpoint.storage, config.checkpoint.retain),
      log: pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }, pino.destination(2)),
      metrics: new PipelineMetrics(),
      stopRequested: new Promise<void>(() => undefined),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Whether `index` holds each `seq` 0…DOCS−1 once, checked by a field, not only by `_count`: the count, minimum,
 * maximum, sum and sum of squares of `seq` all equal those of 0…DOCS−1 (a lost document and a duplicate would have to
 * cancel out in both sums at once).
 */
async function seqsExact(client: Client, index: string): Promise<string | undefined> {
  const response = await client.search({ index, size: 0, aggs: { seq: { extended_stats: { field: 'seq' } } } });
  const stats = response.aggregations?.seq as { count: number; min: number; max: number; sum: number; sum_of_squares: number } | undefined;
  const n = DOCS;
  const expected = { count: n, min: 0, max: n - 1, sum: (n * (n - 1)) / 2, sum_of_squares: ((n - 1) * n * (2 * n - 1)) / 6 };
  if (stats === undefined) return 'no seq statistics';
  const wrong = (Object.keys(expected) as (keyof typeof expected)[]).filter((key) => Math.abs(stats[key] - expected[key]) > 1e-6 * Math.max(1, expected[key]));
  return wrong.length === 0 ? undefined : `seq ${wrong.map((key) => `${key} ${stats[key]} (expected ${expected[key]})`).join(', ')}`;
}

async function main(): Promise<void> {
  const kafkaService = await benchService('kafka', () => {
    const brokers = process.env.LOCKSTEP_KAFKA_BROKERS?.split(',').map((broker) => broker.trim()).filter((broker) => broker !== '');
    return brokers !== undefined && brokers.length > 0 ? { brokers, version: 'external' } : undefined;
  });
  const esService = await benchService('elasticsearch', () => {
    const url = process.env.LOCKSTEP_ELASTICSEARCH_URL;
    return url === undefined || url === '' ? undefined : { url, version: 'external' };
  }).catch(async (error: unknown) => {
    await kafkaService.stop();
    throw error;
  });
  const brokers = [...kafkaService.service.brokers];
  const { url } = esService.service;
  const client = new Client({ node: url });
  const kafka = new Kafka({ clientId: 'bench-kafka-es', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const topic = `bench-es-in-${randomUUID().slice(0, 8)}`;
  const indices: string[] = [];
  try {
    await admin.connect();
    await createTestTopics(admin, [{ topic, numPartitions: PARALLELISM }]);
    progress(`seeding ${DOCS.toLocaleString('en')} records into ${topic}…`);
    await seedTopic(kafka, topic);
    const version = (await client.info()).version.number;
    const rows: string[][] = [];
    const rates = new Map<Variant, number[]>();
    for (let round = 0; round < ROUNDS; round += 1) {
      const order: Variant[] = round % 2 === 0 ? ['raw', 'pipeline'] : ['pipeline', 'raw'];
      for (const variant of order) {
        const index = `bench-${randomUUID().slice(0, 12)}`;
        indices.push(index);
        await client.indices.create({ index, settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: { properties: { seq: { type: 'long' } } } });
        progress(`round ${round + 1}: ${LABELS[variant]}…`);
        const started = performance.now();
        if (variant === 'raw') await rawBulkLoop(client, index, DOCS, BULK_ACTIONS);
        else await pipelineRun(brokers, topic, url, index);
        const seconds = (performance.now() - started) / 1000;
        await client.indices.refresh({ index });
        const written = (await client.count({ index })).count;
        const problem = written === DOCS ? await seqsExact(client, index) : `${written} documents, expected ${DOCS}`;
        if (problem !== undefined) throw new Error(`${LABELS[variant]}: ${problem}`);
        const rate = DOCS / seconds;
        rates.set(variant, [...(rates.get(variant) ?? []), rate]);
        rows.push([`round ${round + 1}`, LABELS[variant], String(Math.round(rate)), seconds.toFixed(2)]);
        await client.indices.delete({ index });
        indices.pop();
      }
    }
    const median = (values: readonly number[]): number => percentile([...values], 50) ?? 0;
    const out = process.stdout;
    out.write(`\nKafka → Elasticsearch, ${DOCS.toLocaleString('en')} documents per run (5 fields, ~130 B), Elasticsearch ${version}, Kafka ${kafkaService.service.version}\n\n`);
    out.write('| run | variant | documents/s | seconds |\n|---|---|---|---|\n');
    for (const line of rows) out.write(`| ${line.join(' | ')} |\n`);
    out.write('\n| measure | value |\n|---|---|\n');
    const raws = rates.get('raw') ?? [];
    const pairs = (rates.get('pipeline') ?? []).map((rate, round) => rate / (raws[round] ?? Number.NaN));
    out.write(`| pipeline ÷ raw _bulk loop (medians; goal ≥ 0.9) | ${(median(rates.get('pipeline') ?? []) / median(raws)).toFixed(3)} |\n`);
    out.write(`| pipeline ÷ raw, round by round (median of ${pairs.length}) | ${pairs.map((ratio) => ratio.toFixed(2)).join(', ')} (${median(pairs).toFixed(3)}) |\n`);
  } finally {
    for (const index of indices) await client.indices.delete({ index, ignore_unavailable: true }).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await client.close();
    await esService.stop();
    await kafkaService.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
