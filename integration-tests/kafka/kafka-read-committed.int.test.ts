import { randomUUID } from 'node:crypto';
import type { Admin, Producer } from 'kafkajs';
import { testServices } from '../env';
import { eventually } from '../support/eventually';
import { readCommitted } from '../support/kafka-read-committed';
import { createTestTopics, testKafka } from '../support/test-kafka';

/**
 * The oracle the Kafka sink and crash tests trust (`readCommitted`, kcat), checked against what producers that are not
 * lockstep's did: transactions committed and aborted in turn on every partition, plain records in between, commit
 * markers at the end of partitions, transactions of several producers interleaved and aborted together, and a
 * transaction still open — whose records come after the last stable offset and must neither appear nor make the read
 * wait.
 */
const { brokers } = testServices().kafka;

describe('readCommitted (the test oracle)', () => {
  const kafka = testKafka(brokers, 'lockstep-oracle-test');
  let admin: Admin;
  let topic: string;
  const producers: Producer[] = [];

  beforeEach(async () => {
    topic = `oracle-${randomUUID().slice(0, 8)}`;
    admin = kafka.admin();
    await admin.connect();
    await createTestTopics(admin, [{ topic, numPartitions: 3 }]);
  });

  afterEach(async () => {
    await Promise.allSettled(producers.splice(0).map((producer) => producer.disconnect()));
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  async function transactional(id: string): Promise<Producer> {
    const producer = kafka.producer({ transactionalId: `${topic}-${id}`, idempotent: true, maxInFlightRequests: 1 });
    producers.push(producer);
    await producer.connect();
    return producer;
  }

  it('returns committed and plain records only, in offset order per partition, up to the last stable offset', async () => {
    const writer = await transactional('writer');
    const plain = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    producers.push(plain);
    await plain.connect();
    const expected: string[] = [];
    for (let round = 0; round < 4; round += 1) {
      for (const outcome of ['commit', 'abort'] as const) {
        const transaction = await writer.transaction();
        const messages = [0, 1, 2].map((partition) => ({ partition, value: `${outcome}-${round}-p${partition}` }));
        await transaction.send({ topic, acks: -1, messages });
        if (outcome === 'commit') {
          await transaction.commit();
          expected.push(...messages.map((message) => `${message.partition}:${message.value}`));
        } else {
          await transaction.abort();
        }
      }
      await plain.send({ topic, acks: -1, messages: [{ partition: round % 3, value: `plain-${round}` }] });
      expected.push(`${round % 3}:plain-${round}`);
    }
    // left open: after the last stable offset, so neither returned nor waited for
    const open = await (await transactional('open')).transaction();
    await open.send({ topic, acks: -1, messages: [0, 1, 2].map((partition) => ({ partition, value: `open-p${partition}` })) });

    const seen = await readCommitted(brokers, topic);
    const byPartition = (entries: string[]) => [0, 1, 2].flatMap((partition) => entries.filter((entry) => entry.startsWith(`${partition}:`)));
    expect(seen.map((message) => `${message.partition}:${message.value}`)).toEqual(byPartition(expected));
    for (const partition of [0, 1, 2]) {
      const offsets = seen.filter((message) => message.partition === partition).map((message) => message.offset);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    }
    await open.abort();
  }, 60_000);

  it('leaves out transactions aborted together whose records interleave (where kafkajs\' own filter lets some through)', async () => {
    // three producers write to one partition in turn, as a pipeline's sink subtasks do; two abort, one commits
    const writers = await Promise.all(['a', 'b', 'c'].map((id) => transactional(id)));
    const transactions = await Promise.all(writers.map((writer) => writer.transaction()));
    for (let round = 0; round < 5; round += 1) {
      for (const [index, transaction] of transactions.entries()) {
        await transaction.send({ topic, acks: -1, messages: [{ partition: 0, value: `${'abc'[index] ?? '?'}-${round}` }] });
      }
    }
    await Promise.all([transactions[2]?.abort(), transactions[0]?.abort(), transactions[1]?.commit()]);
    // EndTxn answers before the coordinator has written the markers: until then the last stable offset stays put
    const seen = await eventually(() => readCommitted(brokers, topic), (messages) => messages.length >= 5);
    expect(seen.map((message) => message.value)).toEqual([0, 1, 2, 3, 4].map((round) => `b-${round}`));
  }, 60_000);

  it('returns nothing for an empty topic and for one holding aborted records only', async () => {
    expect(await readCommitted(brokers, topic)).toEqual([]);
    const writer = await transactional('aborts');
    const transaction = await writer.transaction();
    await transaction.send({ topic, acks: -1, messages: [0, 1, 2].map((partition) => ({ partition, value: 'aborted' })) });
    await transaction.abort();
    expect(await readCommitted(brokers, topic)).toEqual([]);
  }, 60_000);
});
