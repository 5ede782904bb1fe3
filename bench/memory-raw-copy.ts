/**
 * The baseline of `npm run bench:memory` (not a test; bench/memory.bench.ts starts it as a child process): the raw
 * kafkajs consume → produce loop of bench/kafka.bench.ts (bench/raw-copy.ts), alone in its process so that its memory
 * is measured apart. Exits once `RAW_RECORDS` records are copied.
 *   RAW_BROKERS (host:port,…)   RAW_INPUT, RAW_OUTPUT (topics)   RAW_RECORDS   RAW_PARTITIONS (default 3)
 */
import { Kafka, logLevel } from 'kafkajs';
import { startRawCopy } from './raw-copy';

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const kafka = new Kafka({ brokers: env('RAW_BROKERS').split(','), clientId: 'lockstep-bench-raw', logLevel: logLevel.NOTHING });
  const copy = startRawCopy(kafka, {
    input: env('RAW_INPUT'),
    output: env('RAW_OUTPUT'),
    partitions: Number(process.env.RAW_PARTITIONS ?? 3),
    until: Number(env('RAW_RECORDS')),
  });
  await copy.finished;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
