import { type Message, logLevel, Kafka } from 'kafkajs';
import { classifyKafkaError } from '../kafka-errors';
import { FirstPartitioner } from '../stable-partitioner';
import type { KafkaBroker, KafkaCluster } from './cluster';
import { createProducePath, type ProducerState, type Retrier } from './produce';
import type { ProtocolRequest } from './transaction-codec';
import { newEncoder } from './transaction-codec';

/* eslint-disable @typescript-eslint/no-require-imports */
const createRetry = require('kafkajs/src/retry') as (options: Record<string, unknown>) => Retrier;
/* eslint-enable @typescript-eslint/no-require-imports */

const SEND_REQUEST = Symbol('private:Broker:sendRequest');
const TOPIC = 'out';

/** A Produce v7 response body with one error code per partition (kafkajs' v7 response decoder reads it). */
function responseBytes(partitions: readonly { partition: number; errorCode: number }[]): Buffer {
  const encoder = newEncoder() as unknown as {
    writeInt32(v: number): typeof encoder;
    writeInt16(v: number): typeof encoder;
    writeInt64(v: number): typeof encoder;
    writeString(v: string): typeof encoder;
    buffer: Buffer;
  };
  encoder.writeInt32(1).writeString(TOPIC).writeInt32(partitions.length);
  for (const { partition, errorCode } of partitions) encoder.writeInt32(partition).writeInt16(errorCode).writeInt64(0).writeInt64(-1).writeInt64(0);
  encoder.writeInt32(0);
  return encoder.buffer;
}

/** What the fake broker saw: each request's body, and the partitions' base sequences in it. */
interface Sent {
  readonly body: Buffer;
  readonly version: number;
}

/** A broker whose private sendRequest records the request and answers with the next error code (0 when none left). */
class FakeBroker {
  readonly sent: Sent[] = [];
  readonly versions = { 0: { minVersion: 3, maxVersion: 11 } };

  constructor(
    readonly nodeId: number,
    private readonly answers: number[],
  ) {}

  async [SEND_REQUEST](request: ProtocolRequest<unknown>): Promise<unknown> {
    const body = (await request.request.encode()).buffer;
    this.sent.push({ body: Buffer.from(body), version: request.request.apiVersion });
    const errorCode = this.answers.shift() ?? 0;
    const decoded = await request.response.decode(responseBytes([0, 1, 2].map((partition) => ({ partition, errorCode }))));
    return request.response.parse(decoded);
  }
}

function fakeCluster(broker: FakeBroker): KafkaCluster & { refreshes: number } {
  const cluster = {
    refreshes: 0,
    async addMultipleTargetTopics() {},
    async refreshMetadataIfNecessary() {},
    async refreshMetadata() {
      cluster.refreshes += 1;
    },
    isConnected: () => true,
    removeBroker() {},
    findTopicPartitionMetadata: () => [0, 1, 2].map((partitionId) => ({ partitionId, leader: broker.nodeId })),
    findBroker: async () => broker as unknown as KafkaBroker,
  };
  return cluster as unknown as KafkaCluster & { refreshes: number };
}

/** The eosManager's send-path state: sequences per partition, partitions added. */
function fakeProducer(): ProducerState & { added: string[]; sequences: Map<string, number> } {
  const sequences = new Map<string, number>();
  const added: string[] = [];
  return {
    added,
    sequences,
    getTransactionalId: () => 'tx-1',
    getProducerId: () => '1000',
    getProducerEpoch: () => 3,
    isTransactional: () => true,
    acquireBrokerLock: async () => undefined,
    releaseBrokerLock: () => undefined,
    addPartitionsToTransaction: async (topicData) => {
      for (const { topic, partitions } of topicData) for (const { partition } of partitions) added.push(`${topic}/${partition}`);
    },
    getSequence: (topic, partition) => sequences.get(`${topic}/${partition}`) ?? 0,
    updateSequence: (topic, partition, increment) => sequences.set(`${topic}/${partition}`, (sequences.get(`${topic}/${partition}`) ?? 0) + increment),
  };
}

function setup(answers: number[]) {
  const broker = new FakeBroker(1, answers);
  const cluster = fakeCluster(broker);
  const producer = fakeProducer();
  const send = createProducePath({
    logger: new Kafka({ brokers: ['unused:9092'], logLevel: logLevel.NOTHING }).logger(),
    cluster,
    producer,
    partitioner: FirstPartitioner(),
    retrier: createRetry({ retries: 3, initialRetryTime: 1, maxRetryTime: 2 }),
  });
  return { broker, cluster, producer, send };
}

const messages = (n: number): Message[] => Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`key-${i}`), value: Buffer.from(`value-${i}`) }));

describe('lockstep produce path (fake broker, kafkajs response decoder)', () => {
  it('sends one Produce v7 request per leader, adds partitions once, and continues each partition’s sequence', async () => {
    const { broker, producer, send } = setup([]);
    await send([{ topic: TOPIC, messages: messages(30) }]);
    await send([{ topic: TOPIC, messages: messages(30) }]);
    expect(broker.sent).toHaveLength(2);
    expect(broker.sent[0]?.version).toBe(7);
    expect([...new Set(producer.added)].sort()).toEqual(['out/0', 'out/1', 'out/2']);
    const total = [...producer.sequences.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(60);
  });

  it('retries a retriable error (NOT_LEADER_FOR_PARTITION) with the identical request after refreshing metadata', async () => {
    const { broker, cluster, producer, send } = setup([6]);
    await send([{ topic: TOPIC, messages: messages(30) }]);
    expect(broker.sent).toHaveLength(2);
    expect(broker.sent[1]?.body.equals(broker.sent[0]?.body as Buffer)).toBe(true);
    expect(cluster.refreshes).toBe(1);
    expect([...producer.sequences.values()].reduce((a, b) => a + b, 0)).toBe(30);
  });

  it.each([
    ['INVALID_PRODUCER_EPOCH (47)', 47, 'fenced'],
    ['OUT_OF_ORDER_SEQUENCE_NUMBER (45)', 45, 'sequence'],
    ['MESSAGE_TOO_LARGE (10)', 10, 'too-large'],
  ])('fails at once on %s, as kafkajs would throw it', async (_name, code, kind) => {
    const { broker, producer, send } = setup([code]);
    const failure = await send([{ topic: TOPIC, messages: messages(10) }]).catch((error: unknown) => error);
    expect(classifyKafkaError(failure)).toBe(kind);
    expect(broker.sent).toHaveLength(1);
    expect([...producer.sequences.values()].reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('surfaces a code kafkajs 2.2 does not know (PRODUCER_FENCED, 90) as kafkajs does: KAFKAJS_UNKNOWN_ERROR_CODE, not retried', async () => {
    const { broker, send } = setup([90]);
    const failure = await send([{ topic: TOPIC, messages: messages(10) }]).catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'KafkaJSProtocolError', type: 'KAFKAJS_UNKNOWN_ERROR_CODE', message: 'Unknown error code 90' });
    expect(broker.sent).toHaveLength(1);
  });

  it('gives up after the retries on a retriable error that stays', async () => {
    const { broker, send } = setup([6, 6, 6, 6, 6]);
    await expect(send([{ topic: TOPIC, messages: messages(3) }])).rejects.toThrow();
    expect(broker.sent).toHaveLength(4);
    expect(new Set(broker.sent.map((entry) => entry.body.toString('hex'))).size).toBe(1);
  });

  it('puts a keyed message on the partition of Kafka’s default partitioner, an explicit partition where it says', async () => {
    const { broker, send } = setup([]);
    await send([{ topic: TOPIC, messages: [{ key: null, value: 'x', partition: 2 }] }]);
    const body = broker.sent[0]?.body as Buffer;
    // transactional id "tx-1" (2 + 4), acks (2), timeout (4), topics (4), "out" (2 + 3), partitions (4), partition id
    expect(body.readInt32BE(2 + 4 + 2 + 4 + 4 + 2 + 3 + 4)).toBe(2);
  });
});
