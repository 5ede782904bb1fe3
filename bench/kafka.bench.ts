/**
 * Benchmark (not a test; run with `npm run bench:kafka`): the exactly-once Kafka → Kafka pipeline (kafka source,
 * bytes in and out, no transform → exactly-once kafka sink, parallelism 3) with checkpoints every 1 s and every
 * 100 ms, versus a raw kafkajs consume → produce loop without transactions, on the same broker in the same run.
 * Input: 1 KiB JSON records with unique ids in a 3-partition topic. Then, at a steady input rate, the time from
 * produce to visibility for a read_committed consumer of the output topic. Prints a table; machines are shared and
 * noisy, so read the ratios, not the absolute numbers.
 *   LOCKSTEP_KAFKA_BROKERS (host:port,…; unset: a local broker is started for the run and stopped after it)
 *   BENCH_RECORDS (default 200,000)   BENCH_ROUNDS (default 3)
 *   BENCH_VARIANTS (comma-separated from raw, eos-1s, eos-100ms; default all)
 *   BENCH_LATENCY_RATE (records/s, default 2,000)   BENCH_LATENCY_SECONDS (default 15; 0 skips the visibility runs)
 *   BENCH_LOG_LEVEL (pipeline log to stderr, default silent)
 *   BENCH_COMPRESSION (none | gzip | snappy | lz4 | zstd, default none: the codec of every batch, input, raw and sink)
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin, type Consumer, type ITopicConfig, type Message } from 'kafkajs';
import pino from 'pino';
import { builtinRegistry } from '../cli/builtin-registry';
import { KAFKA_COMPRESSIONS, type KafkaCompression } from '../connectors/kafka/compression';
import { compressionType, installCompressionCodecs } from '../connectors/kafka/internals';
import { LocalCheckpointStore } from '../core/checkpoint/local-checkpoint-store';
import { loadPipelineText } from '../core/config/pipeline-loader';
import { createComponents } from '../core/runtime/create-components';
import { PipelineMetrics, percentile } from '../core/runtime/pipeline-metrics';
import { runPipeline } from '../core/runtime/pipeline-runner';
import { benchService, progress } from './bench-services';
import { rawProducer, startRawCopy } from './raw-copy';
import { createTestTopics } from '../integration-tests/support/test-kafka';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LATENCY_RATE = Number(process.env.BENCH_LATENCY_RATE ?? 2_000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 15);
const COMPRESSION = (process.env.BENCH_COMPRESSION ?? 'none') as KafkaCompression;
export const RECORD_BYTES = 1024;
export const PARTITIONS = 3;
/** How long the latency run waits, after its producer stops, for the last records to become visible. */
const DRAIN_TIMEOUT_MS = 30_000;

type Variant = 'raw' | 'eos-1s' | 'eos-100ms';

const ALL_VARIANTS: readonly Variant[] = ['raw', 'eos-1s', 'eos-100ms'];
/** `BENCH_VARIANTS` (comma-separated, default all): e.g. `eos-1s` alone for a CPU profile of the pipeline. */
const VARIANTS: readonly Variant[] = process.env.BENCH_VARIANTS === undefined ? ALL_VARIANTS : ALL_VARIANTS.filter((v) => process.env.BENCH_VARIANTS?.split(',').includes(v));
const LABELS: Record<Variant, string> = {
  raw: 'raw kafkajs, no transactions',
  'eos-1s': 'exactly-once, checkpoints every 1 s',
  'eos-100ms': 'exactly-once, checkpoints every 100 ms',
};
const INTERVALS: Record<Exclude<Variant, 'raw'>, string> = { 'eos-1s': '1s', 'eos-100ms': '100ms' };

/** A copy from one topic to another in progress: `finished` settles when it ends by itself or after `stop()`. */
export interface RunningCopy {
  readonly finished: Promise<void>;
  stop(): Promise<void>;
  readonly metrics?: PipelineMetrics;
}

/** Everything the bench shares: the broker, one admin client, and the topics to delete at the end. */
export interface Bench {
  readonly brokers: string[];
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly topics: string[];
}

/**
 * The brokers of `LOCKSTEP_KAFKA_BROKERS`, else a local broker of the test service `name` (`kafka`: 4.x, `kafka3`:
 * 3.9) started for the run; `stop()` stops what was started.
 */
export async function kafkaBrokers(name: 'kafka' | 'kafka3' = 'kafka'): Promise<{ brokers: string[]; stop: () => Promise<void> }> {
  const { service, stop } = await benchService(name, () => {
    const brokers = process.env.LOCKSTEP_KAFKA_BROKERS?.split(',').map((broker) => broker.trim()).filter((broker) => broker !== '');
    return brokers !== undefined && brokers.length > 0 ? { brokers, version: 'external' } : undefined;
  });
  return { brokers: [...service.brokers], stop };
}

/** A fresh topic of {@link PARTITIONS} partitions named after `role`, deleted at the end of the bench. */
export async function createTopic(bench: Bench, role: string, configEntries?: ITopicConfig['configEntries']): Promise<string> {
  const topic = `bench-${role}-${randomUUID().slice(0, 8)}`;
  bench.topics.push(topic);
  await createTestTopics(bench.admin, [{ topic, numPartitions: PARTITIONS, configEntries }]);
  return topic;
}

/** A JSON record of exactly {@link RECORD_BYTES} bytes with a unique id (its key too) and the time it was produced. */
function benchMessage(seq: number, sentAt: number): Message {
  const head = JSON.stringify({ id: `r-${seq}`, seq, sentAt, pad: '' });
  const value = `${head.slice(0, -2)}${'x'.repeat(Math.max(0, RECORD_BYTES - head.length))}"}`;
  return { key: `r-${seq}`, value };
}

/** Produces `records` records to `topic` as fast as the broker takes them (acks from all replicas). */
export async function produceInput(bench: Bench, topic: string, records: number): Promise<number> {
  const producer = rawProducer(bench.kafka);
  await producer.connect();
  const started = process.hrtime.bigint();
  try {
    const chunk = 2_000;
    const inFlight = new Set<Promise<unknown>>();
    for (let from = 0; from < records; from += chunk) {
      const messages = Array.from({ length: Math.min(chunk, records - from) }, (_, i) => benchMessage(from + i, Date.now()));
      const sent = producer.sendBatch({ acks: -1, compression: compressionType(COMPRESSION), topicMessages: [{ topic, messages }] });
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent)).catch(() => undefined);
      if (inFlight.size >= 4) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    await producer.disconnect();
  }
  return records / (Number(process.hrtime.bigint() - started) / 1e9);
}

function pipelineText(bench: Bench, dir: string, input: string, output: string, interval: string, bounded: boolean): string {
  const brokers = JSON.stringify(bench.brokers);
  return `
name: bench-kafka-${randomUUID().slice(0, 8)}
checkpoint: { interval: ${interval}, timeout: 60s, storage: "${join(dir, 'checkpoints')}" }
parallelism: ${PARTITIONS}
sources:
  - { id: in, type: kafka, brokers: ${brokers}, topics: [${input}], ${bounded ? 'bounded: latest, ' : ''}valueFormat: bytes }
sinks:
  - { id: out, type: kafka, brokers: ${brokers}, topic: ${output}, valueFormat: bytes, compression: ${COMPRESSION} }
`;
}

/** The exactly-once pipeline in this process; bounded, it ends by itself after the records present at its start. */
export function startPipelineCopy(bench: Bench, input: string, output: string, interval: string, bounded: boolean): RunningCopy {
  const metrics = new PipelineMetrics();
  let requestStop: () => void = () => undefined;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  const run = async (): Promise<void> => {
    const dir = await mkdtemp(join(tmpdir(), 'lockstep-bench-kafka-'));
    try {
      const registry = builtinRegistry();
      const config = loadPipelineText(pipelineText(bench, dir, input, output, interval, bounded), { file: join(dir, 'pipeline.yaml'), registry });
      await runPipeline({
        components: () => createComponents(config, registry),
        store: new LocalCheckpointStore(config.checkpoint.storage, config.checkpoint.retain),
        log: pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }, pino.destination(2)),
        metrics,
        stopRequested,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  const finished = run();
  return {
    finished,
    metrics,
    stop: async () => {
      requestStop();
      await finished;
    },
  };
}

function startCopy(bench: Bench, variant: Variant, input: string, output: string, records?: number): RunningCopy {
  return variant === 'raw'
    ? startRawCopy(bench.kafka, { input, output, partitions: PARTITIONS, until: records, compression: compressionType(COMPRESSION) })
    : startPipelineCopy(bench, input, output, INTERVALS[variant], records !== undefined);
}

interface ThroughputResult {
  readonly recordsPerSecond: number;
  readonly seconds: number;
  /** Peak resident set size of this process during the run (MiB, sampled every 100 ms). */
  readonly peakRssMiB: number;
  readonly metrics?: PipelineMetrics;
}

/** Copies the whole input topic to a fresh output topic; the time runs from start (connections included) to the end. */
async function measureThroughput(bench: Bench, variant: Variant, input: string): Promise<ThroughputResult> {
  const output = await createTopic(bench, `out-${variant}`);
  progress(`throughput: ${LABELS[variant]}…`);
  const started = process.hrtime.bigint();
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
  const copy = startCopy(bench, variant, input, output, RECORDS);
  await copy.finished.finally(() => clearInterval(sampler));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (copy.metrics !== undefined && copy.metrics.recordsOut !== RECORDS) {
    process.stderr.write(`warning: ${variant} wrote ${copy.metrics.recordsOut} records, expected ${RECORDS}\n`);
  }
  return { recordsPerSecond: RECORDS / seconds, seconds, peakRssMiB: peakRss / 2 ** 20, metrics: copy.metrics };
}

/** A read_committed consumer of `topic` (kafkajs' default isolation) noting, per record, now − its `sentAt`. */
async function visibilityWatcher(bench: Bench, topic: string): Promise<{ consumer: Consumer; latencies: number[] }> {
  const consumer = bench.kafka.consumer({ groupId: `bench-watch-${randomUUID()}`, maxWaitTimeInMs: 100, readUncommitted: false });
  const latencies: number[] = [];
  let joined: () => void = () => undefined;
  const groupJoined = new Promise<void>((resolve) => (joined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: PARTITIONS,
    eachBatch: ({ batch }) => {
      const now = Date.now();
      for (const message of batch.messages) {
        const { sentAt } = JSON.parse(message.value?.toString() ?? '{}') as { sentAt: number };
        latencies.push(now - sentAt);
      }
      return Promise.resolve();
    },
  });
  await groupJoined;
  return { consumer, latencies };
}

/** Produces at {@link LATENCY_RATE} records/s for {@link LATENCY_SECONDS}, in 20 ms ticks; returns the count sent. */
async function produceSteadily(bench: Bench, topic: string): Promise<number> {
  const producer = rawProducer(bench.kafka);
  await producer.connect();
  const tickMs = 20;
  const started = Date.now();
  const sends: Promise<unknown>[] = [];
  let sent = 0;
  try {
    while (Date.now() - started < LATENCY_SECONDS * 1000) {
      const due = Math.floor(((Date.now() - started + tickMs) / 1000) * LATENCY_RATE);
      const messages = Array.from({ length: Math.max(0, due - sent) }, (_, i) => benchMessage(sent + i, Date.now()));
      sent += messages.length;
      if (messages.length > 0) sends.push(producer.send({ topic, acks: -1, messages }));
      await new Promise((resolve) => setTimeout(resolve, tickMs));
    }
    await Promise.all(sends);
  } finally {
    await producer.disconnect();
  }
  return sent;
}

interface LatencyResult {
  readonly latencies: number[];
  readonly produced: number;
}

/**
 * Runs the copy unbounded on fresh topics, waits until it and the watcher are up (the pipeline's first checkpoint
 * done), produces at a steady rate, then waits for every record to become visible before stopping the copy.
 */
async function measureVisibility(bench: Bench, variant: Variant): Promise<LatencyResult> {
  const input = await createTopic(bench, `lat-in-${variant}`);
  const output = await createTopic(bench, `lat-out-${variant}`);
  progress(`visibility: ${LABELS[variant]}…`);
  const copy = startCopy(bench, variant, input, output);
  const watcher = await visibilityWatcher(bench, output);
  try {
    const upBy = Date.now() + 60_000;
    while (copy.metrics !== undefined && copy.metrics.checkpointsCompleted === 0 && Date.now() < upBy) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // The raw loop has no checkpoint to wait for; give its consumer group time to settle.
    if (copy.metrics === undefined) await new Promise((resolve) => setTimeout(resolve, 2_000));
    const produced = await produceSteadily(bench, input);
    const drainBy = Date.now() + DRAIN_TIMEOUT_MS;
    while (watcher.latencies.length < produced && Date.now() < drainBy) await new Promise((resolve) => setTimeout(resolve, 50));
    return { latencies: [...watcher.latencies], produced };
  } finally {
    await watcher.consumer.disconnect();
    await copy.stop();
  }
}

const median = (values: readonly number[]): number => percentile(values, 50) ?? 0;
const ms = (value: number | undefined): string => (value === undefined ? '-' : String(Math.round(value)));

interface Measured {
  readonly inputRate: number;
  readonly rows: string[][];
  readonly rates: Record<Variant, number[]>;
  readonly durations: Record<Variant, number[]>;
  /** Per variant: checkpoint phases (ms), records bytes, checkpoints per second of run time, peak RSS. */
  readonly phases: Record<Variant, { align: number[]; save: number[]; commit: number[]; bytes: number[]; perSecond: number[]; rss: number[] }>;
  readonly visibility: Partial<Record<Variant, LatencyResult>>;
}

function report(bench: Bench, measured: Measured): void {
  const { rows, rates, durations, phases, visibility } = measured;
  const out = process.stdout;
  out.write(`\nKafka → Kafka, ${RECORDS.toLocaleString('en')} records of ${RECORD_BYTES} B, ${PARTITIONS} partitions, parallelism ${PARTITIONS}`);
  out.write(`, compression ${COMPRESSION}, brokers ${bench.brokers.join(',')}; input produced at ${Math.round(measured.inputRate)} records/s\n\n`);
  out.write('| run | variant | records/s | MiB/s | checkpoints completed |\n|---|---|---|---|---|\n');
  for (const row of rows) out.write(`| ${row.join(' | ')} |\n`);
  out.write('\n| measure | value |\n|---|---|\n');
  for (const variant of ['eos-1s', 'eos-100ms'] as const) {
    out.write(`| throughput ratio, ${LABELS[variant]} ÷ raw (medians) | ${(median(rates[variant]) / median(rates.raw)).toFixed(3)} |\n`);
  }
  for (const variant of ['eos-1s', 'eos-100ms'] as const) {
    const values = durations[variant];
    out.write(`| checkpoint duration p50 / p99 (ms), ${LABELS[variant]} | ${ms(percentile(values, 50))} / ${ms(percentile(values, 99))} |\n`);
  }
  for (const variant of ['eos-1s', 'eos-100ms'] as const) {
    const p = phases[variant];
    if (p.perSecond.length === 0) continue;
    const p50p99 = (values: number[]): string => `${ms(percentile(values, 50))} / ${ms(percentile(values, 99))}`;
    out.write(`| checkpoint phases p50 / p99 (ms): align · save · commit, ${LABELS[variant]} | ${p50p99(p.align)} · ${p50p99(p.save)} · ${p50p99(p.commit)} |\n`);
    out.write(`| checkpoints completed per second of run time (median), ${LABELS[variant]} | ${median(p.perSecond).toFixed(2)} |\n`);
    out.write(`| checkpoint record bytes (median of the last per run), ${LABELS[variant]} | ${ms(median(p.bytes))} |\n`);
  }
  for (const variant of VARIANTS) out.write(`| peak RSS of the bench process (MiB, max over runs), ${LABELS[variant]} | ${ms(Math.max(...phases[variant].rss))} |\n`);
  for (const variant of VARIANTS) {
    const measuredVisibility = visibility[variant];
    if (measuredVisibility === undefined) continue;
    const { latencies, produced } = measuredVisibility;
    const seen = latencies.length === produced ? '' : ` (${latencies.length} of ${produced} seen)`;
    out.write(
      `| produce → visible to read_committed, p50 / p99 / max (ms) at ${LATENCY_RATE.toLocaleString('en')} records/s, ${LABELS[variant]} | ` +
        `${ms(percentile(latencies, 50))} / ${ms(percentile(latencies, 99))} / ${ms(Math.max(...latencies))}${seen} |\n`,
    );
  }
}

async function measureAll(bench: Bench): Promise<Measured> {
  const input = await createTopic(bench, 'in');
  progress(`producing ${RECORDS} input records…`);
  const inputRate = await produceInput(bench, input, RECORDS);
  const rows: string[][] = [];
  const rates: Record<Variant, number[]> = { raw: [], 'eos-1s': [], 'eos-100ms': [] };
  const durations: Record<Variant, number[]> = { raw: [], 'eos-1s': [], 'eos-100ms': [] };
  const phase = () => ({ align: [] as number[], save: [] as number[], commit: [] as number[], bytes: [] as number[], perSecond: [] as number[], rss: [] as number[] });
  const phases = { raw: phase(), 'eos-1s': phase(), 'eos-100ms': phase() };
  for (let round = 0; round < ROUNDS; round += 1) {
    // Rotate the order so warm-up and machine noise hit every variant alike.
    const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length] as Variant);
    for (const variant of order) {
      const result = await measureThroughput(bench, variant, input);
      rates[variant].push(result.recordsPerSecond);
      durations[variant].push(...(result.metrics?.checkpointDurations ?? []));
      const m = result.metrics;
      phases[variant].rss.push(result.peakRssMiB);
      if (m !== undefined) {
        phases[variant].align.push(...(m.checkpointAlignments ?? []));
        phases[variant].save.push(...(m.checkpointSaves ?? []));
        phases[variant].commit.push(...(m.checkpointCommits ?? []));
        if (m.lastCheckpointBytes !== undefined) phases[variant].bytes.push(m.lastCheckpointBytes);
        phases[variant].perSecond.push(m.checkpointsCompleted / result.seconds);
      }
      const mib = ((result.recordsPerSecond * RECORD_BYTES) / 2 ** 20).toFixed(1);
      rows.push([`round ${round + 1}`, LABELS[variant], String(Math.round(result.recordsPerSecond)), mib, String(result.metrics?.checkpointsCompleted ?? '-')]);
    }
  }
  const visibility: Partial<Record<Variant, LatencyResult>> = {};
  // BENCH_LATENCY_SECONDS=0 skips the visibility runs.
  if (LATENCY_SECONDS > 0) for (const variant of VARIANTS) visibility[variant] = await measureVisibility(bench, variant);
  return { inputRate, rows, rates, durations, phases, visibility };
}

async function main(): Promise<void> {
  if (!KAFKA_COMPRESSIONS.includes(COMPRESSION)) throw new Error(`BENCH_COMPRESSION must be one of ${KAFKA_COMPRESSIONS.join(', ')}`);
  installCompressionCodecs();
  const broker = await kafkaBrokers();
  const kafka = new Kafka({ brokers: broker.brokers, clientId: 'lockstep-bench', logLevel: logLevel.NOTHING });
  const bench: Bench = { brokers: broker.brokers, kafka, admin: kafka.admin(), topics: [] };
  try {
    await bench.admin.connect();
    report(bench, await measureAll(bench));
  } finally {
    await bench.admin.deleteTopics({ topics: bench.topics, timeout: 30_000 }).catch((error: unknown) => {
      progress(`warning: could not delete the bench topics ${bench.topics.join(', ')}: ${(error as Error).message}`);
    });
    await bench.admin.disconnect();
    await broker.stop();
  }
}

// bench/flink.bench.ts imports the pieces above; only `npm run bench:kafka` runs this bench.
if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
