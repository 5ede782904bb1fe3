/**
 * Benchmark (not a test; run with `npm run bench:memory`, which builds dist/ first): the memory of the saturated
 * exactly-once Kafka → Kafka pipeline over a long run (issue 17: "RSS stays flat (≤ 250 MB) through a 10M-record
 * run"). The workload of bench/kafka.bench.ts — 1 KiB keyed records in a 3-partition topic, copied by a kafka source
 * (`bounded: latest`, bytes) → exactly-once kafka sink (bytes), parallelism 3, checkpoints every 1 s — run by the
 * lockstep CLI (`node bin/lockstep.js run`) in a child process of its own, next to the raw kafkajs consume → produce
 * loop (bench/memory-raw-copy.ts, run through tsx) as the same-run baseline. bench/memory-sampler.js, preloaded into
 * each child, samples `process.memoryUsage()` and the V8 heap spaces every 250 ms. Prints a table of RSS min / median
 * / max / last, the medians of the first and last quarter of the run (flat or growing), the V8 heap and the memory
 * outside it (Buffers), throughput, and checks that every record was copied exactly once (read_committed count).
 * Topics are deleted after each copy and the broker (with its data folder) is stopped at the end. The input takes
 * ~1.05 KiB per record on disk, and so does each output while it is counted: check `df -h /tmp` for 10M records.
 *   BENCH_RECORDS (default 10,000,000)   BENCH_KAFKA (kafka3 = Kafka 3.9, default; kafka = 4.x)
 *   LOCKSTEP_KAFKA_BROKERS (host:port,…; unset: a local broker is started for the run)
 *   BENCH_VARIANTS (comma-separated, default raw,lockstep,lockstep-tuned: the CLI again with BENCH_TUNED_NODE_OPTIONS,
 *     default --max-semi-space-size=4, and BENCH_TUNED_ENV, NAME=value pairs, default none)
 *   BENCH_INTERVAL (checkpoint interval, default 1s)
 *   BENCH_NODE_OPTIONS (extra node flags for every measured child, e.g. --max-semi-space-size=16)
 *   BENCH_SAMPLES (a folder: keep each child's samples there as <variant>.jsonl)   BENCH_VERIFY (0: skip the count)
 *   BENCH_INPUT (an input topic of BENCH_RECORDS bench records to reuse, with LOCKSTEP_KAFKA_BROKERS; kept after)
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { progress } from './bench-services';
import { createTopic, kafkaBrokers, produceInput, type Bench } from './kafka.bench';
import { countCommitted } from './memory-count';
import { memoryRow, MEMORY_TABLE_HEAD, type MemorySample } from './memory-stats';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 10_000_000);
const KAFKA = (process.env.BENCH_KAFKA ?? 'kafka3') as 'kafka' | 'kafka3';
const VARIANTS = (process.env.BENCH_VARIANTS ?? 'raw,lockstep,lockstep-tuned').split(',').map((name) => name.trim()) as Variant[];
const INTERVAL = process.env.BENCH_INTERVAL ?? '1s';
const NODE_OPTIONS = (process.env.BENCH_NODE_OPTIONS ?? '').split(' ').filter((flag) => flag !== '');
const ROOT = join(__dirname, '..');

type Variant = 'raw' | 'lockstep' | 'lockstep-tuned';

/**
 * What `lockstep-tuned` adds to the node flags and environment of `lockstep` (the CLI as a user starts it, which
 * starts itself with --max-semi-space-size=8: bin/lockstep.js): the memory-tight settings docs/benchmarks.md
 * ("Memory under full load") measures.
 */
const TUNED_NODE_OPTIONS = (process.env.BENCH_TUNED_NODE_OPTIONS ?? '--max-semi-space-size=4').split(' ').filter((flag) => flag !== '');
const TUNED_ENV: NodeJS.ProcessEnv = Object.fromEntries(
  (process.env.BENCH_TUNED_ENV ?? '')
    .split(' ')
    .filter((entry) => entry.includes('='))
    .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
);


interface ChildRun {
  readonly seconds: number;
  readonly samples: MemorySample[];
  readonly stderr: string;
}

/** Runs `args` under node with the sampler preloaded; resolves with its samples once it exited with 0. */
async function runMeasured(dir: string, variant: Variant, args: string[], env: NodeJS.ProcessEnv): Promise<ChildRun> {
  const samplesFile = join(dir, `${variant}.jsonl`);
  const started = process.hrtime.bigint();
  const flags = variant === 'lockstep-tuned' ? [...NODE_OPTIONS, ...TUNED_NODE_OPTIONS] : NODE_OPTIONS;
  const child = spawn(process.execPath, [...flags, '--require', join(ROOT, 'bench/memory-sampler.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...(variant === 'lockstep-tuned' ? TUNED_ENV : {}), ...env, LOCKSTEP_MEMORY_SAMPLES: samplesFile },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-20_000);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`${variant} exited with ${code}:\n${stderr}`);
  const samples = (await readFile(samplesFile, 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as MemorySample);
  if (process.env.BENCH_SAMPLES !== undefined) {
    await mkdir(process.env.BENCH_SAMPLES, { recursive: true });
    await copyFile(samplesFile, join(process.env.BENCH_SAMPLES, `${variant}.jsonl`));
  }
  return { seconds, samples, stderr };
}

const LABELS: Record<Variant, string> = {
  raw: 'raw kafkajs loop (under tsx)',
  lockstep: `lockstep CLI, ${INTERVAL} checkpoints, as started`,
  'lockstep-tuned': `lockstep CLI, ${INTERVAL} checkpoints, ${[...TUNED_NODE_OPTIONS, ...Object.entries(TUNED_ENV).map(([name, value]) => `${name}=${value ?? ''}`)].join(' ')}`,
};

function pipelineYaml(bench: Bench, dir: string, input: string, output: string): string {
  const brokers = JSON.stringify(bench.brokers);
  return `
name: bench-memory-${randomUUID().slice(0, 8)}
checkpoint: { interval: ${INTERVAL}, timeout: 60s, storage: "${join(dir, 'checkpoints')}" }
parallelism: 3
sources:
  - { id: in, type: kafka, brokers: ${brokers}, topics: [${input}], bounded: latest, valueFormat: bytes }
sinks:
  - { id: out, type: kafka, brokers: ${brokers}, topic: ${output}, valueFormat: bytes }
`;
}

function copyArgs(bench: Bench, variant: Variant, dir: string, input: string, output: string): { args: string[]; env: NodeJS.ProcessEnv } {
  if (variant === 'raw') {
    const env = { RAW_BROKERS: bench.brokers.join(','), RAW_INPUT: input, RAW_OUTPUT: output, RAW_RECORDS: String(RECORDS) };
    return { args: ['--import', 'tsx', join(ROOT, 'bench/memory-raw-copy.ts')], env };
  }
  return { args: [join(ROOT, 'bin/lockstep.js'), 'run', join(dir, 'pipeline.yaml'), '--log-level', 'warn'], env: {} };
}

/** One copy of the whole input to a fresh output topic, measured; the output topic is deleted after it is counted. */
async function measure(bench: Bench, variant: Variant, input: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-bench-memory-'));
  const output = await createTopic(bench, `memory-out-${variant}`);
  try {
    await writeFile(join(dir, 'pipeline.yaml'), pipelineYaml(bench, dir, input, output));
    progress(`${variant}: copying ${RECORDS.toLocaleString('en')} records…`);
    const { args, env } = copyArgs(bench, variant, dir, input, output);
    const run = await runMeasured(dir, variant, args, env);
    const summary = /· (\d+) records read, (\d+) written · (\d+) checkpoints(?: \(p50 (\d+) ms, p99 (\d+) ms\))?/.exec(run.stderr);
    const copied = process.env.BENCH_VERIFY === '0' ? undefined : await countCommitted(bench.kafka, output, RECORDS);
    const checkpoints = summary === null ? '-' : `${summary[3]} (p50 ${summary[4] ?? '-'} / p99 ${summary[5] ?? '-'} ms)`;
    return memoryRow(LABELS[variant], RECORDS, RECORDS / run.seconds, run.samples, {
      checkpoints,
      copied: copied === undefined ? 'not counted' : copied.toLocaleString('en'),
    });
  } finally {
    // deleted now, for its disk space; one that could not be deleted stays listed for the final attempt
    const deleted = await bench.admin.deleteTopics({ topics: [output], timeout: 30_000 }).then(
      () => true,
      (error: unknown) => (progress(`warning: could not delete ${output} yet: ${(error as Error).message}`), false),
    );
    if (deleted) bench.topics.splice(bench.topics.indexOf(output), 1);
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const broker = await kafkaBrokers(KAFKA);
  const kafka = new Kafka({ brokers: broker.brokers, clientId: 'lockstep-bench-memory', logLevel: logLevel.NOTHING });
  const bench: Bench = { brokers: broker.brokers, kafka, admin: kafka.admin(), topics: [] };
  try {
    await bench.admin.connect();
    const given = process.env.BENCH_INPUT;
    const input = given ?? (await createTopic(bench, 'memory-in'));
    progress(given === undefined ? `producing ${RECORDS.toLocaleString('en')} input records…` : `input: ${given} (kept)`);
    const inputRate = given === undefined ? await produceInput(bench, input, RECORDS) : Number.NaN;
    const rows: string[][] = [];
    for (const variant of VARIANTS) rows.push(await measure(bench, variant, input));
    const out = process.stdout;
    out.write(`\nKafka → Kafka (${KAFKA}, ${bench.brokers.join(',')}), ${RECORDS.toLocaleString('en')} records of 1 KiB, 3 partitions, `);
    out.write(`parallelism 3; input produced at ${Math.round(inputRate)} records/s; node flags: ${NODE_OPTIONS.join(' ') || 'none'}\n\n`);
    out.write(MEMORY_TABLE_HEAD);
    for (const row of rows) out.write(`| ${row.join(' | ')} |\n`);
  } finally {
    await bench.admin.deleteTopics({ topics: bench.topics, timeout: 30_000 }).catch((error: unknown) => {
      progress(`warning: could not delete the bench topics ${bench.topics.join(', ')}: ${(error as Error).message}`);
    });
    await bench.admin.disconnect();
    await broker.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
