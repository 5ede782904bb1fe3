/**
 * Benchmark (not a test; run with `npm run bench:flink`): the exactly-once Kafka → Kafka copy through lockstep and
 * through Apache Flink, the system users would pick instead, on the same broker in the same run. Both read the same
 * input topic (1 KiB keyed JSON records with unique ids, 3 partitions) with parallelism 3, bytes in and out, and write
 * to a fresh output topic with Kafka transactions, checkpointing every 1 s and every 100 ms:
 *   - lockstep: the pipeline of `npm run bench:kafka` (bench/kafka.bench.ts), in this process;
 *   - Flink 2.0.1: KafkaSource (bounded to the end offsets at its start, read_committed) → identity map → KafkaSink
 *     (EXACTLY_ONCE, flink-connector-kafka 4.0.1-2.0, producer defaults) in a local MiniCluster, a JVM of its own
 *     (bench/flink/, built with Maven into the cache folder on first use).
 * Per run: the steady rate (records ÷ time from the first to the last output record, by the output topic's
 * log-append timestamps), the wall time (start to the final commit), the start to the first output record, the CPU
 * time its process used (on a loaded machine a JVM's many threads get more of the CPU than Node's one: this figure
 * shows what each copy costs regardless), the checkpoints completed and their durations, and an exactly-once check
 * of the output: kcat (librdkafka) reads it under read_committed and every id must be there once, at its full size.
 * Visibility at saturation: a watcher thread (bench/visibility-watcher.ts) polls the output topic's high watermark and
 * last stable offset every BENCH_VISIBILITY_POLL_MS, and times each output record from appended (first poll with the
 * high watermark above its offset) to visible to read_committed readers (first poll with the stable offset above it).
 * The order alternates between rounds.
 * Prints a table with lockstep ÷ Flink ratios on stdout; progress on stderr. Exits non-zero if a check fails.
 *   LOCKSTEP_KAFKA_BROKERS (host:port,…; unset: a local Kafka 3.9 broker is started for the run and stopped after it)
 *   BENCH_RECORDS (default 1,000,000)   BENCH_ROUNDS (default 2)   BENCH_INTERVALS (default 1s,100ms)
 *   BENCH_LOG_LEVEL (lockstep's log, and the Flink JVM's output, to stderr; default silent)
 *   BENCH_VISIBILITY_POLL_MS (the watcher's poll interval, default 15; 0: no watcher, to measure what it costs)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';
import { percentile } from '../core/runtime/pipeline-metrics';
import { cacheDir } from '../integration-tests/env/choose-provider';
import { progress } from './bench-services';
import { createTopic, kafkaBrokers, PARTITIONS, produceInput, RECORD_BYTES, startPipelineCopy, type Bench } from './kafka.bench';
import { summarize, type VisibilitySummary } from './visibility';
import { startVisibilityWatcher, type VisibilityWatch, type WatchResult } from './visibility-watcher';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const INTERVALS = (process.env.BENCH_INTERVALS ?? '1s,100ms').split(',').map((interval) => interval.trim()).filter((interval) => interval !== '');
const VERBOSE = (process.env.BENCH_LOG_LEVEL ?? 'silent') !== 'silent';
const VISIBILITY_POLL_MS = Number(process.env.BENCH_VISIBILITY_POLL_MS ?? 15);
/** Issue 17's goal for visibility at saturation: p99 ≤ the checkpoint interval + this. */
const VISIBILITY_SLACK_MS = 1000;
const FLINK_DIR = join(__dirname, 'flink');
/** Output topics stamp each batch with the time the broker appended it: the steady rate is read from those stamps. */
const LOG_APPEND_TIME = [{ name: 'message.timestamp.type', value: 'LogAppendTime' }];
/** What Flink's own launcher opens on Java 17 for its serializers (Kryo) and network stack. */
const JVM_OPENS = ['java.lang', 'java.lang.reflect', 'java.io', 'java.net', 'java.nio', 'java.text', 'java.time', 'java.util', 'java.util.concurrent', 'sun.nio.ch'].map(
  (pkg) => `--add-opens=java.base/${pkg}=ALL-UNNAMED`,
);
/** Longest a Flink job or an output read may take before the bench gives up on it. */
const RUN_TIMEOUT_MS = 30 * 60_000;

type System = 'flink' | 'lockstep';

/** The bench's child processes still running (mvn, the Flink JVM, kcat): an interrupted bench kills them. */
const CHILDREN = new Set<ChildProcess>();

/** One copy of the input, by one system at one checkpoint interval, and what its output showed. */
interface RunResult {
  readonly round: number;
  readonly system: System;
  readonly interval: string;
  /** Epoch ms: the start (lockstep: the pipeline's start; Flink: the MiniCluster's start). */
  readonly startedAt: number;
  /** Epoch ms: the run ended, its final checkpoint's transactions committed. */
  readonly finishedAt: number;
  /** CPU time (user + system, all threads) the system's process used from the start to the end, the watcher's not counted. */
  readonly cpuMs: number;
  readonly checkpointsCompleted: number;
  readonly checkpointDurations: readonly number[];
  readonly output: OutputCheck;
  /** What the visibility watcher saw of the output topic (none when BENCH_VISIBILITY_POLL_MS is 0). */
  readonly visibility?: WatchResult;
}

/** What a read_committed reader found in an output topic. */
interface OutputCheck {
  readonly records: number;
  readonly missing: number;
  readonly duplicates: number;
  /** Records whose key is not a bench id, or whose value is not {@link RECORD_BYTES} long. */
  readonly malformed: number;
  /** Log-append timestamps (epoch ms) of the first and the last record appended. */
  readonly firstAppendAt: number;
  readonly lastAppendAt: number;
}

function intervalMs(interval: string): number {
  const match = /^(\d+)(ms|s)$/.exec(interval);
  if (match === null) throw new Error(`BENCH_INTERVALS: '${interval}' is not a duration like 1s or 100ms`);
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

/**
 * Runs `command` to its end. Its stdout goes line by line to `onLine` if given; otherwise its output goes to stderr
 * when verbose, and only into the error when it fails.
 */
function run(command: string, args: readonly string[], what: string, onLine?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    CHILDREN.add(child);
    const tail: string[] = [];
    const keep = (chunk: Buffer): void => {
      if (VERBOSE) process.stderr.write(chunk);
      tail.push(chunk.toString('utf8'));
      if (tail.length > 200) tail.shift();
    };
    if (onLine === undefined) child.stdout.on('data', keep);
    else createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY }).on('line', onLine);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === 'ENOENT' ? new Error(`${what}: ${command} not found (the Flink bench needs Java 17+, Maven and kcat)`) : error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      CHILDREN.delete(child);
      if (code === 0) resolve();
      else reject(new Error(`${what} exited with ${code ?? signal}; its last output:\n${tail.join('').split('\n').slice(-40).join('\n')}`));
    });
  });
}

/**
 * The Flink job's classpath: bench/flink built with Maven into `<cache>/flink-bench/<digest of its sources>` the first
 * time (about 20 s and 85 MB of jars from Maven Central), reused while the sources stay the same.
 */
async function flinkClasspath(): Promise<string> {
  const sources = ['pom.xml', ...(await readdir(join(FLINK_DIR, 'src'), { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(FLINK_DIR.length + 1))
    .sort()];
  const digest = createHash('sha256');
  for (const source of sources) digest.update(source).update(await readFile(join(FLINK_DIR, source)));
  const dir = join(cacheDir(), 'flink-bench', digest.digest('hex').slice(0, 16));
  const classpath = `${join(dir, 'flink-bench.jar')}:${join(dir, 'lib', '*')}`;
  if (existsSync(join(dir, 'built'))) return classpath;
  const staging = `${dir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  progress(`building the Flink job (bench/flink) with Maven into ${dir}…`);
  await run('mvn', ['-B', '-q', '-f', join(FLINK_DIR, 'pom.xml'), 'package', `-Dbench.buildDir=${staging}`], 'mvn package (bench/flink)');
  await writeFile(join(staging, 'built'), `${sources.join('\n')}\n`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, '..'), { recursive: true });
  await rename(staging, dir);
  return classpath;
}

/** What the Flink job wrote to its result file (bench/flink/…/FlinkKafkaCopy.java). */
interface FlinkResult {
  readonly clusterStartAt: number;
  readonly finishedAt: number;
  readonly cpuMs: number;
  /** The MiniCluster's `GET /jobs/:id/checkpoints`. */
  readonly checkpoints: {
    readonly counts: { readonly completed: number };
    readonly history: readonly { readonly status: string; readonly end_to_end_duration: number }[];
  };
}

async function runFlink(bench: Bench, classpath: string, input: string, output: string, interval: string): Promise<Omit<RunResult, 'round' | 'output'>> {
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-bench-flink-'));
  try {
    const java = process.env.JAVA_HOME === undefined ? 'java' : join(process.env.JAVA_HOME, 'bin', 'java');
    const resultFile = join(dir, 'result.json');
    const args = [
      `brokers=${bench.brokers.join(',')}`,
      `input=${input}`,
      `output=${output}`,
      `intervalMs=${intervalMs(interval)}`,
      `parallelism=${PARTITIONS}`,
      `checkpointDir=${join(dir, 'checkpoints')}`,
      `result=${resultFile}`,
    ];
    await run(java, [...JVM_OPENS, '-cp', classpath, 'dev.lockstep.bench.FlinkKafkaCopy', ...args], 'the Flink job');
    const result = JSON.parse(await readFile(resultFile, 'utf8')) as FlinkResult;
    const completed = result.checkpoints.history.filter((checkpoint) => checkpoint.status === 'COMPLETED');
    return {
      system: 'flink',
      interval,
      startedAt: result.clusterStartAt,
      finishedAt: result.finishedAt,
      cpuMs: result.cpuMs,
      checkpointsCompleted: result.checkpoints.counts.completed,
      checkpointDurations: completed.map((checkpoint) => checkpoint.end_to_end_duration),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runLockstep(bench: Bench, input: string, output: string, interval: string, watch?: VisibilityWatch): Promise<Omit<RunResult, 'round' | 'output'>> {
  // The watcher's thread is in this process: its CPU time is taken out of lockstep's.
  const watcherCpuAtStart = (await watch?.cpuMs()) ?? 0;
  const startedAt = Date.now();
  const cpuAtStart = process.cpuUsage();
  const copy = startPipelineCopy(bench, input, output, interval, true);
  await copy.finished;
  const finishedAt = Date.now();
  const cpu = process.cpuUsage(cpuAtStart);
  const watcherCpuMs = ((await watch?.cpuMs()) ?? 0) - watcherCpuAtStart;
  const metrics = copy.metrics;
  if (metrics === undefined) throw new Error('the lockstep copy kept no metrics');
  return {
    system: 'lockstep',
    interval,
    startedAt,
    finishedAt,
    cpuMs: (cpu.user + cpu.system) / 1000 - watcherCpuMs,
    checkpointsCompleted: metrics.checkpointsCompleted,
    checkpointDurations: [...metrics.checkpointDurations],
  };
}

/**
 * Reads `topic` to its end under read_committed with kcat (librdkafka: neither lockstep's Kafka client nor Flink's),
 * one line per record (partition, log-append time, value size, key), and checks every input id `r-0`…`r-<n−1>` is
 * there exactly once.
 */
async function checkOutput(bench: Bench, topic: string): Promise<OutputCheck> {
  const args = ['-C', '-b', bench.brokers.join(','), '-t', topic, '-o', 'beginning', '-e', '-q', '-X', 'isolation.level=read_committed', '-f', '%p %T %S %k\\n'];
  const seen = new Uint8Array(RECORDS);
  let records = 0;
  let duplicates = 0;
  let malformed = 0;
  let firstAppendAt = Number.POSITIVE_INFINITY;
  let lastAppendAt = Number.NEGATIVE_INFINITY;
  await run('kcat', args, `kcat reading ${topic}`, (line) => {
    if (line === '') return;
    const [, timestamp, size, key] = line.split(' ');
    records += 1;
    const appendedAt = Number(timestamp);
    if (appendedAt < firstAppendAt) firstAppendAt = appendedAt;
    if (appendedAt > lastAppendAt) lastAppendAt = appendedAt;
    const id = /^r-(\d+)$/.exec(key ?? '');
    const seq = id === null ? -1 : Number(id[1]);
    if (seq < 0 || seq >= RECORDS || Number(size) !== RECORD_BYTES) malformed += 1;
    else if (seen[seq] === 1) duplicates += 1;
    else seen[seq] = 1;
  });
  const missing = seen.reduce((count, flag) => count + (flag === 0 ? 1 : 0), 0);
  return { records, missing, duplicates, malformed, firstAppendAt, lastAppendAt };
}

const exactlyOnce = (check: OutputCheck): boolean => check.missing === 0 && check.duplicates === 0 && check.malformed === 0 && check.records === RECORDS;
const steadyRate = (result: RunResult): number => result.output.records / Math.max(0.001, (result.output.lastAppendAt - result.output.firstAppendAt) / 1000);
const wallSeconds = (result: RunResult): number => (result.finishedAt - result.startedAt) / 1000;
/** The middle value, or the mean of the two middle ones (2 rounds are common here). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}
const ms = (value: number | undefined): string => (value === undefined ? '-' : String(Math.round(value)));
const round1 = (value: number): string => value.toFixed(1);
const ratio = (value: number): string => value.toFixed(2);

function outputVerdict(check: OutputCheck): string {
  if (exactlyOnce(check)) return `${check.records.toLocaleString('en')} exactly once`;
  return `FAILED: ${check.records} read, ${check.missing} missing, ${check.duplicates} duplicates, ${check.malformed} malformed`;
}

/** min–max of the per-round ratios, then the ratio of the medians. */
function ratioText(lockstep: readonly number[], flink: readonly number[]): string {
  const perRound = lockstep.map((value, i) => value / (flink[i] ?? Number.NaN));
  return `${ratio(Math.min(...perRound))}–${ratio(Math.max(...perRound))} (medians ${ratio(median(lockstep) / median(flink))})`;
}

/** The append → visible latencies of the runs' output offsets pooled; undefined if none was watched. */
function visibilityOf(results: readonly RunResult[]): VisibilitySummary | undefined {
  const watched = results.flatMap((result) => (result.visibility === undefined ? [] : [result.visibility]));
  return watched.length === 0 ? undefined : summarize(watched.flatMap((watch) => watch.partitions));
}

const visibilityText = (summary: VisibilitySummary | undefined): string =>
  summary === undefined ? '-' : `${ms(summary.p50Ms)} / ${ms(summary.p99Ms)} / ${ms(summary.maxMs)}`;

function visibilityGoal(summary: VisibilitySummary | undefined, interval: string): string {
  if (summary?.p99Ms === undefined) return '-';
  return `${summary.p99Ms <= intervalMs(interval) + VISIBILITY_SLACK_MS ? 'met' : 'NOT met'} (p99 ${ms(summary.p99Ms)})`;
}

/** One line on the watcher itself: its resolution, its cost, and what it could not see. */
function watcherNote(results: readonly RunResult[]): string {
  const watched = results.flatMap((result) => (result.visibility === undefined ? [] : [result.visibility]));
  if (watched.length === 0) return '\nNo visibility watcher (BENCH_VISIBILITY_POLL_MS=0).\n';
  const gaps = watched.flatMap((watch) => [...watch.pollGapsMs]);
  const cpus = watched.map((watch) => watch.cpuMs / 1000);
  const summary = visibilityOf(results);
  return (
    `\nVisibility watcher: ListOffsets (read_uncommitted and read_committed) every ${VISIBILITY_POLL_MS} ms; time between polls ` +
    `p50 / p99 / max ${ms(percentile(gaps, 50))} / ${ms(percentile(gaps, 99))} / ${ms(Math.max(...gaps))} ms over ${gaps.length + watched.length} polls; ` +
    `its thread's CPU ${Math.min(...cpus).toFixed(2)}–${Math.max(...cpus).toFixed(2)} s per run (not counted in lockstep's CPU time); ` +
    `${watched.reduce((sum, watch) => sum + watch.errors, 0)} failed polls; ${summary?.records ?? 0} output offsets timed, ` +
    `${summary?.notVisible ?? 0} never seen visible, ${summary?.appendedBeforeWatch ?? 0} appended before the watch.\n`
  );
}

function report(bench: Bench, results: readonly RunResult[], inputRate: number): void {
  const out = process.stdout;
  out.write(`\nKafka → Kafka exactly-once, lockstep vs Flink 2.0.1 (MiniCluster, flink-connector-kafka 4.0.1-2.0): `);
  out.write(`${RECORDS.toLocaleString('en')} records of ${RECORD_BYTES} B, ${PARTITIONS} partitions, parallelism ${PARTITIONS}, `);
  out.write(`brokers ${bench.brokers.join(',')}; input produced at ${Math.round(inputRate)} records/s\n\n`);
  out.write(
    '| round | system | checkpoints every | steady rec/s | wall s | start → first output s | CPU s | checkpoints completed | checkpoint p50 / p99 ms | ' +
      'append → visible p50 / p99 / max ms | output (read_committed) |\n',
  );
  out.write('|---|---|---|---|---|---|---|---|---|---|---|\n');
  for (const result of results) {
    const durations = result.checkpointDurations;
    out.write(
      `| ${result.round} | ${result.system} | ${result.interval} | ${Math.round(steadyRate(result))} | ${round1(wallSeconds(result))} | ` +
        `${round1((result.output.firstAppendAt - result.startedAt) / 1000)} | ${round1(result.cpuMs / 1000)} | ${result.checkpointsCompleted} | ` +
        `${ms(percentile(durations, 50))} / ${ms(percentile(durations, 99))} | ${visibilityText(visibilityOf([result]))} | ${outputVerdict(result.output)} |\n`,
    );
  }
  out.write('\n| checkpoints every | measure | Flink | lockstep | lockstep ÷ Flink, per round (of medians) |\n|---|---|---|---|---|\n');
  for (const interval of INTERVALS) {
    const of = (system: System): RunResult[] => results.filter((result) => result.system === system && result.interval === interval);
    const [flink, lockstep] = [of('flink'), of('lockstep')];
    const rates = (list: RunResult[]): number[] => list.map(steadyRate);
    const speeds = (list: RunResult[]): number[] => list.map((result) => 1 / wallSeconds(result));
    const range = (values: number[], digits = 0): string => `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
    out.write(`| ${interval} | steady rate, rec/s | ${range(rates(flink))} | ${range(rates(lockstep))} | ${ratioText(rates(lockstep), rates(flink))} |\n`);
    out.write(
      `| ${interval} | wall time, s (ratio: Flink's time ÷ lockstep's) | ${range(flink.map(wallSeconds), 1)} | ${range(lockstep.map(wallSeconds), 1)} | ` +
        `${ratioText(speeds(lockstep), speeds(flink))} |\n`,
    );
    const cpus = (list: RunResult[]): number[] => list.map((result) => result.cpuMs / 1000);
    const cpuSpeeds = (list: RunResult[]): number[] => list.map((result) => 1000 / result.cpuMs);
    out.write(
      `| ${interval} | CPU time, s (ratio: Flink's CPU ÷ lockstep's) | ${range(cpus(flink), 1)} | ${range(cpus(lockstep), 1)} | ` +
        `${ratioText(cpuSpeeds(lockstep), cpuSpeeds(flink))} |\n`,
    );
    const durations = (list: RunResult[]): number[] => list.flatMap((result) => result.checkpointDurations);
    const p = (list: RunResult[]): string => `${ms(percentile(durations(list), 50))} / ${ms(percentile(durations(list), 99))}`;
    out.write(`| ${interval} | checkpoint duration p50 / p99, ms (all rounds) | ${p(flink)} | ${p(lockstep)} | |\n`);
    const perSecond = (list: RunResult[]): string => range(list.map((result) => result.checkpointsCompleted / wallSeconds(result)), 1);
    out.write(`| ${interval} | checkpoints completed per second of wall time | ${perSecond(flink)} | ${perSecond(lockstep)} | |\n`);
    const firstOutput = (list: RunResult[]): number[] => list.map((result) => (result.output.firstAppendAt - result.startedAt) / 1000);
    out.write(`| ${interval} | start → first output record, s | ${range(firstOutput(flink), 1)} | ${range(firstOutput(lockstep), 1)} | |\n`);
    const [flinkVisibility, lockstepVisibility] = [visibilityOf(flink), visibilityOf(lockstep)];
    out.write(
      `| ${interval} | append → visible to read_committed, p50 / p99 / max ms (all rounds, per record) | ${visibilityText(flinkVisibility)} | ` +
        `${visibilityText(lockstepVisibility)} | |\n`,
    );
    out.write(
      `| ${interval} | goal: visibility p99 ≤ ${intervalMs(interval) + VISIBILITY_SLACK_MS} ms (interval + 1 s) | ${visibilityGoal(flinkVisibility, interval)} | ` +
        `${visibilityGoal(lockstepVisibility, interval)} | |\n`,
    );
  }
  out.write(watcherNote(results));
}

async function copyAndCheck(bench: Bench, classpath: string, input: string, system: System, interval: string, round: number): Promise<RunResult> {
  const output = await createTopic(bench, `out-${system}-${interval}`, LOG_APPEND_TIME);
  progress(`round ${round}: ${system}, checkpoints every ${interval}…`);
  const watch =
    VISIBILITY_POLL_MS > 0
      ? await startVisibilityWatcher({ brokers: bench.brokers, topic: output, partitions: PARTITIONS, pollMs: VISIBILITY_POLL_MS, graceMs: 10_000 })
      : undefined;
  let copied: Omit<RunResult, 'round' | 'output'>;
  let visibility: WatchResult | undefined;
  try {
    copied = system === 'flink' ? await runFlink(bench, classpath, input, output, interval) : await runLockstep(bench, input, output, interval, watch);
  } finally {
    visibility = await watch?.stop();
  }
  progress(`  done in ${((copied.finishedAt - copied.startedAt) / 1000).toFixed(1)} s; reading the output back under read_committed…`);
  const result: RunResult = { ...copied, round, output: await checkOutput(bench, output), visibility };
  progress(`  ${Math.round(steadyRate(result))} records/s steady; append → visible p50 / p99 / max ${visibilityText(visibilityOf([result]))} ms; ${outputVerdict(result.output)}`);
  // 1 GiB per output: drop it now rather than at the end.
  await bench.admin.deleteTopics({ topics: [output], timeout: 30_000 });
  bench.topics.splice(bench.topics.indexOf(output), 1);
  return result;
}

async function measureAll(bench: Bench, classpath: string): Promise<{ results: RunResult[]; inputRate: number }> {
  const input = await createTopic(bench, 'flink-in');
  progress(`producing ${RECORDS} input records…`);
  const inputRate = await produceInput(bench, input, RECORDS);
  const results: RunResult[] = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const interval of INTERVALS) {
      // Alternate who goes first, so warm-up and the broker's state favour neither.
      const order: System[] = round % 2 === 1 ? ['flink', 'lockstep'] : ['lockstep', 'flink'];
      for (const system of order) results.push(await copyAndCheck(bench, classpath, input, system, interval, round));
    }
  }
  return { results, inputRate };
}

async function main(): Promise<void> {
  if (!Number.isInteger(RECORDS) || RECORDS < 1) throw new Error(`BENCH_RECORDS must be a positive integer, not '${process.env.BENCH_RECORDS}'`);
  if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`BENCH_ROUNDS must be a positive integer, not '${process.env.BENCH_ROUNDS}'`);
  INTERVALS.forEach(intervalMs);
  if (!Number.isFinite(VISIBILITY_POLL_MS) || VISIBILITY_POLL_MS < 0) throw new Error(`BENCH_VISIBILITY_POLL_MS must be 0 or more, not '${process.env.BENCH_VISIBILITY_POLL_MS}'`);
  if ((process.env.BENCH_COMPRESSION ?? 'none') !== 'none') throw new Error('BENCH_COMPRESSION: bench:flink compares uncompressed copies only');
  const startedAt = Date.now();
  let stopBroker = (): Promise<void> => Promise.resolve();
  const interrupted = (signal: NodeJS.Signals): void => {
    progress(`${signal}: stopping the bench's processes and its broker…`);
    for (const child of CHILDREN) child.kill('SIGKILL');
    void stopBroker().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  const classpath = await flinkClasspath();
  const broker = await kafkaBrokers('kafka3');
  stopBroker = broker.stop;
  const kafka = new Kafka({ brokers: broker.brokers, clientId: 'lockstep-bench-flink', logLevel: logLevel.NOTHING });
  const bench: Bench = { brokers: broker.brokers, kafka, admin: kafka.admin(), topics: [] };
  let results: RunResult[] = [];
  try {
    await bench.admin.connect();
    const measured = await measureAll(bench, classpath);
    results = measured.results;
    report(bench, results, measured.inputRate);
  } finally {
    await bench.admin.deleteTopics({ topics: bench.topics, timeout: 30_000 }).catch((error: unknown) => {
      progress(`warning: could not delete the bench topics ${bench.topics.join(', ')}: ${(error as Error).message}`);
    });
    await bench.admin.disconnect();
    await broker.stop();
  }
  progress(`bench:flink took ${Math.round((Date.now() - startedAt) / 1000)} s`);
  const failed = results.filter((result) => !exactlyOnce(result.output));
  if (failed.length > 0) throw new Error(`${failed.length} run(s) did not write every record exactly once (see the table)`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
