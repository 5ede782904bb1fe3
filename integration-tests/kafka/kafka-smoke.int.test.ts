import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import type { Admin, Consumer, EachMessagePayload, Producer } from 'kafkajs';
import { testServices } from '../env';
import { eventually } from '../support/eventually';
import { createTestTopics } from '../support/test-kafka';

/**
 * Smoke test of the Kafka provider with the client lockstep uses (kafkajs 2.2.4): transactions commit and abort,
 * read_committed hides aborted records, and consumer offsets commit inside a transaction.
 */
const { brokers, version } = testServices().kafka;

describe(`kafka ${version} at ${brokers.join(',')} (kafkajs)`, () => {
  const runId = randomUUID().slice(0, 8);
  const topic = `smoke-${runId}`;
  const outTopic = `smoke-out-${runId}`;
  const kafka = new Kafka({ clientId: `smoke-${runId}`, brokers, logLevel: logLevel.NOTHING });
  const admin: Admin = kafka.admin();
  const producers: Producer[] = [];
  const consumers: Consumer[] = [];

  const transactionalProducer = async (transactionalId: string): Promise<Producer> => {
    const producer = kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    producers.push(producer);
    await producer.connect();
    return producer;
  };

  /** Consumes `topicName` from the beginning until `marker` arrives; resolves with the values seen before it. */
  const consumeUntilMarker = async (groupId: string, readUncommitted: boolean, marker: string): Promise<string[]> => {
    const consumer = kafka.consumer({ groupId, readUncommitted });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: string[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.CRASH, (event) => {
        if (!event.payload.restart) reject(event.payload.error);
      });
      consumer
        .run({
          eachMessage: async ({ message }: EachMessagePayload) => {
            const value = message.value?.toString() ?? '';
            if (value === marker) resolve();
            else values.push(value);
          },
        })
        .catch(reject);
    });
    await consumer.stop();
    return values;
  };

  beforeAll(async () => {
    await admin.connect();
    const created = await createTestTopics(admin, [
        { topic, numPartitions: 1 },
        { topic: outTopic, numPartitions: 1 },
      ]);
    expect(created).toBe(true);
  });

  afterAll(async () => {
    await Promise.allSettled(consumers.map((consumer) => consumer.disconnect()));
    await Promise.allSettled(producers.map((producer) => producer.disconnect()));
    await admin.deleteTopics({ topics: [topic, outTopic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('lists and describes the new topic', async () => {
    expect(await admin.listTopics()).toEqual(expect.arrayContaining([topic, outTopic]));
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(1);
  });

  it('a read_committed consumer sees committed records only, a read_uncommitted one sees the aborted too', async () => {
    const producer = await transactionalProducer(`smoke-tx-${runId}`);
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ value: 'committed-1' }, { value: 'committed-2' }] });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'aborted-1' }, { value: 'aborted-2' }] });
    await aborted.abort();
    const marker = await producer.transaction();
    await marker.send({ topic, messages: [{ value: 'end-marker' }] });
    await marker.commit();

    expect(await consumeUntilMarker(`smoke-committed-${runId}`, false, 'end-marker')).toEqual([
      'committed-1',
      'committed-2',
    ]);
    // Proves the aborted records did reach the log, so the isolation above is the broker's doing.
    expect(await consumeUntilMarker(`smoke-uncommitted-${runId}`, true, 'end-marker')).toEqual([
      'committed-1',
      'committed-2',
      'aborted-1',
      'aborted-2',
    ]);
  });

  it('commits consumer offsets atomically with a transaction (sendOffsets)', async () => {
    const groupId = `smoke-eos-${runId}`;
    const producer = await transactionalProducer(`smoke-eos-tx-${runId}`);
    const commitOffset = async (offset: string, commit: boolean): Promise<void> => {
      const transaction = await producer.transaction();
      await transaction.send({ topic: outTopic, messages: [{ value: `up-to-${offset}` }] });
      await transaction.sendOffsets({
        consumerGroupId: groupId,
        topics: [{ topic, partitions: [{ partition: 0, offset }] }],
      });
      await (commit ? transaction.commit() : transaction.abort());
    };
    const committedOffset = async (): Promise<string | undefined> => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return offsets?.partitions.find((partition) => partition.partition === 0)?.offset;
    };

    await commitOffset('2', true);
    // The commit markers reach the group coordinator asynchronously after EndTxn returns: poll.
    expect(await eventually(committedOffset, (offset) => offset === '2')).toBe('2');
    await commitOffset('4', false);
    // The next transaction can only start once the abort's markers are written (CONCURRENT_TRANSACTIONS until then).
    const next = await producer.transaction();
    await next.send({ topic: outTopic, messages: [{ value: 'after-abort' }] });
    await next.commit();
    expect(await committedOffset()).toBe('2');
  });
});
