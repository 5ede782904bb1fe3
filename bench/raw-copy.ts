/**
 * The raw kafkajs consume → produce loop that bench/kafka.bench.ts and bench/memory-raw-copy.ts measure lockstep
 * against. Only kafkajs is imported, so that bench/memory-raw-copy.ts measures the loop's memory without lockstep's
 * modules loaded.
 */
import { randomUUID } from 'node:crypto';
import { CompressionTypes, Partitioners, type Kafka, type Producer } from 'kafkajs';

/** A copy from one topic to another in progress: `finished` settles when it ends by itself or after `stop()`. */
export interface RawCopy {
  readonly finished: Promise<void>;
  stop(): Promise<void>;
}

export interface RawCopyOptions {
  readonly input: string;
  readonly output: string;
  /** Partitions consumed concurrently. */
  readonly partitions: number;
  /** Ends by itself once this many records are copied, if given. */
  readonly until?: number;
  /** The codec of every produced batch (default none). */
  readonly compression?: CompressionTypes;
}

/** A plain producer (no idempotence, no transactions) with the default partitioner, as a user would write it. */
export function rawProducer(kafka: Kafka): Producer {
  return kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
}

/**
 * The raw loop: one kafkajs consumer (fresh group, `partitions` partitions at once, no offset commits) whose every
 * fetched batch is sent to `output` by a plain producer (acks from all replicas) before the next one is fetched.
 * `finished` rejects if the consumer crashes without restarting.
 */
export function startRawCopy(kafka: Kafka, options: RawCopyOptions): RawCopy {
  const { input, output, partitions, until, compression = CompressionTypes.None } = options;
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const producer = rawProducer(kafka);
  let copied = 0;
  let reachedEnd: () => void = () => undefined;
  const ended = new Promise<void>((resolve, reject) => {
    reachedEnd = resolve;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) reject(payload.error);
    });
  });
  const run = async (): Promise<void> => {
    await Promise.all([consumer.connect(), producer.connect()]);
    await consumer.subscribe({ topic: input, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: partitions,
      eachBatch: async ({ batch }) => {
        if (batch.messages.length === 0) return;
        const messages = batch.messages.map((message) => ({ key: message.key, value: message.value }));
        await producer.send({ topic: output, acks: -1, compression, messages });
        copied += messages.length;
        if (until !== undefined && copied >= until) reachedEnd();
      },
    });
    await ended;
  };
  const disconnect = () => Promise.all([consumer.disconnect(), producer.disconnect()]).then(() => undefined);
  const finished = run().finally(disconnect);
  return {
    finished,
    stop: async () => {
      reachedEnd();
      await finished;
    },
  };
}
