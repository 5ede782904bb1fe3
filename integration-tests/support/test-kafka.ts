import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Admin, type ITopicConfig } from 'kafkajs';

/** The kafkajs client of the tests' own setup and checks (topics, input, read-back): quiet, with patient retries. */
export function testKafka(brokers: readonly string[], clientId = 'lockstep-test'): Kafka {
  return new Kafka({
    brokers: [...brokers],
    clientId,
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5_000 },
  });
}

/**
 * Creates `topics` and waits until every partition has a leader. kafkajs' own `waitForLeaders` retries only
 * LEADER_NOT_AVAILABLE; a KRaft broker that has not yet applied the new topic answers UNKNOWN_TOPIC_OR_PARTITION
 * ("This server does not host this topic-partition"), which kafkajs gives up on at once — seen on loaded machines.
 * Returns what `createTopics` returned (false when a topic existed already).
 */
export async function createTestTopics(admin: Admin, topics: ITopicConfig[], timeoutMs = 60_000): Promise<boolean> {
  const created = await admin.createTopics({ topics, waitForLeaders: false });
  const names = topics.map((topic) => topic.topic);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: names });
      const ready =
        found.length === names.length &&
        found.every((topic) => topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0));
      if (ready) return created;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics ${names.join(', ')} have no leaders after ${timeoutMs} ms`);
    await sleep(100);
  }
}
