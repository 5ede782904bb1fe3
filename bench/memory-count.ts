import { randomUUID } from 'node:crypto';
import { type Kafka } from 'kafkajs';

/**
 * The number of records a read_committed consumer sees in `topic` (kafkajs' default isolation), read from the
 * beginning until `expected` were seen or nothing new came for 10 s. The independent check of bench/memory.bench.ts
 * that a copy holds every record once (the input's ids are unique; a count equal to the input's is the check, as
 * neither a loss nor a duplicate keeps it).
 */
export async function countCommitted(kafka: Kafka, topic: string, expected: number): Promise<number> {
  const consumer = kafka.consumer({ groupId: `bench-count-${randomUUID()}`, maxWaitTimeInMs: 200, maxBytes: 16 * 2 ** 20 });
  let seen = 0;
  let lastProgress = Date.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 3,
      eachBatch: ({ batch }) => {
        seen += batch.messages.length;
        lastProgress = Date.now();
        return Promise.resolve();
      },
    });
    while (seen < expected && Date.now() - lastProgress < 10_000) await new Promise((resolve) => setTimeout(resolve, 200));
    // anything past the expected count (a duplicate) arrives within the same fetches; give it a moment
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    return seen;
  } finally {
    await consumer.disconnect();
  }
}
