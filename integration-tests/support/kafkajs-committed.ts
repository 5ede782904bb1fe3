import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { testKafka } from './test-kafka';

/**
 * The values of every record a `read_committed` consumer sees in `topic`, through kafkajs' public consumer API (a
 * fresh consumer group, from the beginning; kafkajs consumers are read_committed unless `readUncommitted`): an oracle
 * independent of lockstep's own fetch path. It reads until it saw at least `expected` records and then nothing new for
 * `quietMs`, or until `timeoutMs`; the caller checks what came.
 */
export async function committedValues(
  brokers: readonly string[],
  topic: string,
  expected: number,
  { quietMs = 3_000, timeoutMs = 120_000 }: { quietMs?: number; timeoutMs?: number } = {},
): Promise<string[]> {
  const kafka = testKafka(brokers, 'lockstep-oracle');
  const consumer = kafka.consumer({ groupId: `lockstep-oracle-${randomUUID()}`, readUncommitted: false });
  const values: string[] = [];
  let lastAt = Date.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString('utf8') ?? '');
        lastAt = Date.now();
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !(values.length >= expected && Date.now() - lastAt >= quietMs)) await sleep(200);
    return values;
  } finally {
    await consumer.disconnect();
  }
}
