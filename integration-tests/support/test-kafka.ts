import { Kafka, logLevel } from 'kafkajs';

/**
 * The kafkajs client of the tests' own setup and checks (topics, input, read-back): quiet, and patient enough for a
 * loaded 2-core machine — `createTopics({ waitForLeaders })` retries its metadata poll with this policy, and kafkajs'
 * default (5 retries from 300 ms) gave up with "This server does not host this topic-partition" under load.
 */
export function testKafka(brokers: readonly string[], clientId = 'lockstep-test'): Kafka {
  return new Kafka({
    brokers: [...brokers],
    clientId,
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5_000 },
  });
}
