import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { cacheDir } from '../env/choose-provider';
import { KAFKA_3_VERSION, KAFKA_TOOLS, KAFKA_VERSION, kafkaToolCommand, prepareKafka } from '../env/local/kafka';

/**
 * Kafka clients that are not kafkajs, for tests that must not check lockstep with the library it is built on:
 * Kafka's own Java console producer and consumer (and admin tools) from the test bed's Kafka jars, and kcat
 * (librdkafka, Debian package `kcat`; .ci/ensure-tools.sh installs it). Records are text lines: a key, a tab, a value.
 */

/** A Kafka record as these tools write and print it: UTF-8 text without tabs or newlines. */
export interface TextRecord {
  readonly key: string;
  readonly value: string;
}

/** Record batch codecs, as Kafka's `compression.type` names them. */
export type Codec = 'gzip' | 'snappy' | 'lz4' | 'zstd';

interface Finished {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command` with `input` on stdin; rejects with its output when it exits non-zero or outlives `timeoutMs`. */
function run(command: string, args: readonly string[], input = '', timeoutMs = 60_000): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    // decoded once at the end: a multi-byte character may straddle two chunks
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === 'ENOENT' ? new Error(`${command} not found: ${missingHint(command)}`) : error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}:\n${stderr}${stdout}`.slice(0, 4_000)));
    });
    child.stdin.on('error', () => undefined); // a tool that exits early closes its stdin: the exit code tells
    child.stdin.end(input);
  });
}

function missingHint(command: string): string {
  return command === 'kcat' ? 'install it (apt-get install kcat; .ci/ensure-tools.sh does in CI)' : 'install it';
}

const lines = (records: readonly TextRecord[]): string => records.map((record) => `${record.key}\t${record.value}\n`).join('');

/** The two tool sets, ready: the Kafka jars resolved (cached), kcat present. Fails (never skips) when either is missing. */
export class KafkaCliClients {
  private constructor(
    private readonly toolCacheDir: string,
    private readonly version: string,
  ) {}

  /**
   * `brokerVersion` picks the Kafka release whose Java tools run: the broker's own when the test bed has its jars
   * (4.3.1 or 3.9.1), else 4.3.1 (Kafka's Java clients talk to older and newer brokers alike).
   */
  static async prepare(brokerVersion?: string): Promise<KafkaCliClients> {
    const version = brokerVersion === KAFKA_3_VERSION ? KAFKA_3_VERSION : KAFKA_VERSION;
    const scratch = await mkdtemp(join(tmpdir(), 'lockstep-kafka-cli-'));
    try {
      const dir = cacheDir();
      await prepareKafka({ cacheDir: dir, runDir: scratch, log: pino({ level: 'warn' }) }, version);
      await run('kcat', ['-V']);
      return new KafkaCliClients(dir, version);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /** Runs one of Kafka's Java CLI tools (a {@link KAFKA_TOOLS} main class) from the test bed's jars. */
  java(mainClass: string, args: readonly string[], input = ''): Promise<Finished> {
    const { command, args: full } = kafkaToolCommand({ cacheDir: this.toolCacheDir }, mainClass, args, this.version);
    return run(command, full, input, 120_000);
  }

  /** Writes `records` with Kafka's Java console producer (`kafka-console-producer.sh --compression-codec`). */
  async javaProduce(brokers: readonly string[], topic: string, records: readonly TextRecord[], codec: Codec): Promise<void> {
    await this.java(
      KAFKA_TOOLS.consoleProducer,
      ['--bootstrap-server', brokers.join(','), '--topic', topic, '--compression-codec', codec, '--request-required-acks', 'all',
        '--property', 'parse.key=true', '--property', 'key.separator=\t'],
      lines(records),
    );
  }

  /** Everything a read_committed consumer sees, read by Kafka's Java console consumer: stops after `count` records. */
  async javaConsume(brokers: readonly string[], topic: string, count: number): Promise<TextRecord[]> {
    const { stdout } = await this.java(KAFKA_TOOLS.consoleConsumer, [
      '--bootstrap-server', brokers.join(','), '--topic', topic, '--from-beginning', '--isolation-level', 'read_committed',
      '--max-messages', String(count), '--timeout-ms', '30000', '--property', 'print.key=true', '--property', 'key.separator=\t',
    ]);
    return parseLines(stdout);
  }

  /** Writes `records` with kcat (librdkafka) as an idempotent producer with `compression.codec`. */
  async kcatProduce(brokers: readonly string[], topic: string, records: readonly TextRecord[], codec: Codec): Promise<void> {
    await run('kcat', ['-P', '-b', brokers.join(','), '-t', topic, '-K', '\t', '-X', `compression.codec=${codec}`, '-X', 'enable.idempotence=true',
      '-X', 'linger.ms=50'], lines(records));
  }

  /** Everything a read_committed consumer sees, read by kcat (librdkafka) from every partition's start to its end. */
  async kcatConsume(brokers: readonly string[], topic: string): Promise<TextRecord[]> {
    const { stdout } = await run('kcat', ['-C', '-b', brokers.join(','), '-t', topic, '-o', 'beginning', '-e', '-q', '-J',
      '-X', 'isolation.level=read_committed']);
    return stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { key: string | null; payload: string | null })
      .map((message) => ({ key: message.key ?? '', value: message.payload ?? '' }));
  }

  /**
   * What a read_committed consumer sees in `partition` of `topic` from `offset` to the partition's end (its last
   * stable offset), read by kcat (librdkafka), with offsets.
   */
  async kcatReadCommitted(brokers: readonly string[], topic: string, partition: number, offset = 0): Promise<(TextRecord & { offset: number })[]> {
    const { stdout } = await run('kcat', ['-C', '-b', brokers.join(','), '-t', topic, '-p', String(partition), '-o', String(offset), '-e', '-q', '-J',
      '-X', 'isolation.level=read_committed']);
    return stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { offset: number; key: string | null; payload: string | null })
      .map((message) => ({ offset: message.offset, key: message.key ?? '', value: message.payload ?? '' }));
  }

  /** Bytes on disk per partition of `topics` (DescribeLogDirs, through Kafka's `kafka-log-dirs.sh`), and where. */
  async logDirs(brokers: readonly string[], topics: readonly string[]): Promise<{ partition: string; size: number; logDir: string }[]> {
    const { stdout } = await this.java(KAFKA_TOOLS.logDirs, ['--bootstrap-server', brokers.join(','), '--describe', '--topic-list', topics.join(',')]);
    const json = stdout.split('\n').find((line) => line.startsWith('{'));
    if (json === undefined) throw new Error(`kafka-log-dirs printed no JSON:\n${stdout}`);
    const parsed = JSON.parse(json) as { brokers: { logDirs: { logDir: string; partitions: { partition: string; size: number }[] }[] }[] };
    return parsed.brokers.flatMap((broker) => broker.logDirs.flatMap((dir) => dir.partitions.map((entry) => ({ ...entry, logDir: dir.logDir }))));
  }

  /** The codec of every data (non-control) record batch in the given log segment files (`kafka-dump-log.sh`). */
  async batchCodecs(segmentFiles: readonly string[]): Promise<string[]> {
    const { stdout } = await this.java(KAFKA_TOOLS.dumpLogSegments, ['--files', segmentFiles.join(',')]);
    return stdout
      .split('\n')
      .filter((line) => line.startsWith('baseOffset:') && line.includes('isControl: false'))
      .map((line) => /compresscodec: (\S+)/.exec(line)?.[1] ?? 'unknown');
  }
}

function parseLines(stdout: string): TextRecord[] {
  return stdout
    .split('\n')
    .filter((line) => line.includes('\t'))
    .map((line) => {
      const tab = line.indexOf('\t');
      return { key: line.slice(0, tab), value: line.slice(tab + 1) };
    });
}
