import { spawn } from 'node:child_process';
import type { IHeaders } from 'kafkajs';

/** One record as a `read_committed` consumer sees it. */
export interface CommittedMessage {
  readonly partition: number;
  readonly offset: number;
  /** The key as UTF-8 text (null: no key). */
  readonly key: string | null;
  /** The value as UTF-8 text (null: a tombstone). */
  readonly value: string | null;
  /** The key's bytes, as stored. */
  readonly keyBytes: Buffer | null;
  /** The value's bytes, as stored. */
  readonly valueBytes: Buffer | null;
  /** Headers: a Buffer per value, a list for a repeated name (in order); headers without a value are left out. */
  readonly headers: IHeaders;
  /** The record's timestamp (ms since the epoch). */
  readonly timestamp: number;
}

/** How long one read may take before it fails. */
const READ_TIMEOUT_MS = 120_000;

/**
 * Everything a `read_committed` consumer sees in `topic` now, read by **kcat** (librdkafka's consumer, Debian package
 * `kcat`; .ci/ensure-tools.sh installs it): neither lockstep's fetch path and aborted-transaction filter nor kafkajs'
 * (whose consumer lets aborted records through when a broker lists aborted transactions out of order, or when a fetch
 * starts after several of them began), so a bug there cannot hide itself in both the source and the sink tests. Every partition is read from its earliest offset to its end (`-e`): under read_committed, the
 * last stable offset when kcat gets there — records of a transaction still open are neither returned nor waited for.
 *
 * kcat prints each record as one JSON line (`-J`) whose strings hold the record's bytes as they are, with only `"`,
 * `\` and control characters escaped: read as Latin-1, each character is one byte, so keys, values and headers come
 * back byte for byte, binary or not. Messages come back by partition, in offset order.
 */
export async function readCommitted(brokers: readonly string[], topic: string): Promise<CommittedMessage[]> {
  const args = ['-C', '-b', brokers.join(','), '-t', topic, '-o', 'beginning', '-e', '-q', '-J', '-X', 'isolation.level=read_committed'];
  const output = await runKcat(args);
  return output
    .toString('latin1')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => committedMessage(line))
    .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** One line of `kcat -J`, read as Latin-1. */
interface KcatRecord {
  readonly partition: number;
  readonly offset: number;
  readonly ts: number;
  readonly key: string | null;
  readonly payload: string | null;
  readonly headers?: readonly (string | null)[];
}

const bytes = (latin1: string | null): Buffer | null => (latin1 === null ? null : Buffer.from(latin1, 'latin1'));

function committedMessage(line: string): CommittedMessage {
  const record = JSON.parse(line) as KcatRecord;
  const keyBytes = bytes(record.key);
  const valueBytes = bytes(record.payload);
  return {
    partition: record.partition,
    offset: record.offset,
    key: keyBytes?.toString('utf8') ?? null,
    value: valueBytes?.toString('utf8') ?? null,
    keyBytes,
    valueBytes,
    headers: headersOf(record.headers ?? []),
    timestamp: record.ts,
  };
}

/** kcat's `[name, value, name, value, …]` as kafkajs' header shape. */
function headersOf(list: readonly (string | null)[]): IHeaders {
  const headers: Record<string, Buffer | Buffer[]> = {};
  for (let i = 0; i + 1 < list.length; i += 2) {
    const name = bytes(list[i] ?? '')?.toString('utf8') ?? '';
    const value = bytes(list[i + 1] ?? null);
    if (value === null) continue;
    const seen = headers[name];
    headers[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return headers;
}

/** Runs kcat; its standard output as bytes. Fails (never skips) when kcat is missing, fails or outlives the timeout. */
function runKcat(args: readonly string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), READ_TIMEOUT_MS);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const missing = 'kcat not found: the Kafka integration tests read topics back with it (apt-get install kcat; .ci/ensure-tools.sh does in CI)';
      reject(error.code === 'ENOENT' ? new Error(missing) : error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`kcat ${args.join(' ')} exited with ${code ?? signal}:\n${Buffer.concat(err).toString('utf8')}`.slice(0, 4_000)));
    });
  });
}
