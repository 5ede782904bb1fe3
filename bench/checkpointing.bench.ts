/**
 * Benchmark (not a test; run with `npm run bench`): the quickstart pipeline (generator → map → filter →
 * exactly-once file sink) with checkpoints every 1 s versus checkpointing disabled (only the final checkpoint), in
 * the same run, plus the RSS of a long run at its start and end. Prints a table; machines are shared and noisy, so
 * read the ratio, not the absolute numbers.
 *   BENCH_RECORDS (default 2,000,000)   BENCH_RSS_RECORDS (default 5,000,000)   BENCH_ROUNDS (default 2)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { builtinRegistry } from '../cli/builtin-registry';
import { LocalCheckpointStore } from '../core/checkpoint/local-checkpoint-store';
import { loadPipelineText } from '../core/config/pipeline-loader';
import { createComponents } from '../core/runtime/create-components';
import { PipelineMetrics, percentile } from '../core/runtime/pipeline-metrics';
import { runPipeline } from '../core/runtime/pipeline-runner';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 2_000_000);
const RSS_RECORDS = Number(process.env.BENCH_RSS_RECORDS ?? 5_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

function pipeline(dir: string, records: number, interval: string): string {
  return `
name: bench
checkpoint: { interval: ${interval}, timeout: 60s, storage: ${join(dir, 'checkpoints')} }
parallelism: 2
sources:
  - { id: orders, type: generator, count: ${records} }
transforms:
  - { id: enrich, type: map, set: { amount: "value.seq % 997 + 0.5" } }
  - { id: keep, type: filter, where: "value.amount > 0" }
sinks:
  - { id: files, type: file, path: ${join(dir, 'out')} }
`;
}

interface RunResult {
  readonly recordsPerSecond: number;
  readonly metrics: PipelineMetrics;
  readonly rssStartMb: number;
  readonly rssEndMb: number;
  readonly rssMaxMb: number;
}

async function runOnce(records: number, interval: string): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-bench-'));
  try {
    const registry = builtinRegistry();
    const file = join(dir, 'pipeline.yaml');
    const config = loadPipelineText(pipeline(dir, records, interval), { file, registry });
    const metrics = new PipelineMetrics();
    const mb = () => process.memoryUsage.rss() / 2 ** 20;
    let rssStartMb = 0;
    let rssMaxMb = 0;
    const sampler = setInterval(() => {
      const rss = mb();
      if (rssStartMb === 0 && metrics.recordsOut > 0) rssStartMb = rss;
      rssMaxMb = Math.max(rssMaxMb, rss);
    }, 100);
    const started = process.hrtime.bigint();
    await runPipeline({
      components: () => createComponents(config, registry),
      store: new LocalCheckpointStore(config.checkpoint.storage, config.checkpoint.retain),
      log: pino({ level: 'silent' }),
      metrics,
      stopRequested: new Promise(() => undefined),
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(sampler);
    return { recordsPerSecond: records / seconds, metrics, rssStartMb, rssEndMb: mb(), rssMaxMb };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  // The long run goes first, in a fresh process, so its RSS is not inflated by the garbage of earlier runs.
  const rss = await runOnce(RSS_RECORDS, '1s');
  const rows: string[][] = [];
  const rates = { on: [] as number[], off: [] as number[] };
  const durations: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    // Alternate the order so warm-up and machine noise hit both variants alike.
    for (const variant of round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      const result = await runOnce(RECORDS, variant === 'on' ? '1s' : '0');
      rates[variant].push(result.recordsPerSecond);
      if (variant === 'on') durations.push(...result.metrics.checkpointDurations);
      rows.push([`round ${round + 1}`, variant === 'on' ? 'every 1 s' : 'disabled', String(Math.round(result.recordsPerSecond)), String(result.metrics.checkpointsCompleted)]);
    }
  }
  const median = (values: number[]) => percentile(values, 50) ?? 0;
  const ratio = median(rates.on) / median(rates.off);
  const out = process.stdout;
  out.write(`\nquickstart pipeline, ${RECORDS.toLocaleString('en')} records, parallelism 2\n\n`);
  out.write('| run | checkpoints | records/s | checkpoints completed |\n|---|---|---|---|\n');
  for (const row of rows) out.write(`| ${row.join(' | ')} |\n`);
  out.write(`\n| measure | value |\n|---|---|\n`);
  out.write(`| throughput ratio, checkpoints every 1 s ÷ disabled (medians) | ${ratio.toFixed(3)} |\n`);
  out.write(`| checkpoint duration p50 / p99 (ms) | ${percentile(durations, 50) ?? '-'} / ${percentile(durations, 99) ?? '-'} |\n`);
  out.write(`| ${RSS_RECORDS.toLocaleString('en')}-record run: records/s | ${Math.round(rss.recordsPerSecond)} |\n`);
  out.write(`| ${RSS_RECORDS.toLocaleString('en')}-record run: RSS at start / end / max (MiB) | ${rss.rssStartMb.toFixed(0)} / ${rss.rssEndMb.toFixed(0)} / ${rss.rssMaxMb.toFixed(0)} |\n`);
}

void main();
