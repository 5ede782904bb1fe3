/**
 * The baseline of `npm run bench:memory` (not a test; bench/memory.bench.ts starts it as a child process): the raw
 * kafkajs consume → produce loop of bench/kafka.bench.ts, alone in its process so that its memory is measured apart.
 * One consumer (fresh group, no offset commits, the partitions consumed concurrently) whose every fetched batch is
 * sent by a plain producer (acks from all replicas, no transactions) before the next one is taken; exits once
 * `RAW_RECORDS` records are copied.
 *   RAW_BROKERS (host:port,…)   RAW_INPUT, RAW_OUTPUT (topics)   RAW_RECORDS   RAW_PARTITIONS (default 3)
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const records = Number(env('RAW_RECORDS'));
  const output = env('RAW_OUTPUT');
  const kafka = new Kafka({ brokers: env('RAW_BROKERS').split(','), clientId: 'lockstep-bench-raw', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  let copied = 0;
  let reachedEnd: () => void = () => undefined;
  const ended = new Promise<void>((resolve, reject) => {
    reachedEnd = resolve;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) reject(payload.error);
    });
  });
  try {
    await Promise.all([consumer.connect(), producer.connect()]);
    await consumer.subscribe({ topic: env('RAW_INPUT'), fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: Number(process.env.RAW_PARTITIONS ?? 3),
      eachBatch: async ({ batch }) => {
        if (batch.messages.length === 0) return;
        const messages = batch.messages.map((message) => ({ key: message.key, value: message.value }));
        await producer.send({ topic: output, acks: -1, messages });
        copied += messages.length;
        if (copied >= records) reachedEnd();
      },
    });
    await ended;
  } finally {
    await Promise.all([consumer.disconnect(), producer.disconnect()]);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
