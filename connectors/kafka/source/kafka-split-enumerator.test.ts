import type { Admin } from 'kafkajs';
import { testInitContext } from '../../../core/testing';
import type { KafkaCluster } from '../internals';
import { DEFAULT_KAFKA_RETRY } from './kafka-retry';
import type { KafkaSplit } from './kafka-split';
import { KafkaSplitEnumerator, type KafkaEnumeratorSettings } from './kafka-split-enumerator';
import { ownerSubtask } from './partition-assignment';

/** An in-memory cluster: topics with partition counts and end offsets. */
class FakeKafka {
  readonly partitions = new Map<string, number>();
  endOffset = 50;

  admin(): Admin {
    return {
      connect: async () => undefined,
      disconnect: async () => undefined,
      listTopics: async () => [...this.partitions.keys()],
      fetchTopicMetadata: async ({ topics }: { topics: string[] }) => ({
        topics: topics.map((name) => ({
          name,
          partitions: Array.from({ length: this.partitions.get(name) ?? 0 }, (_, partitionId) => ({ partitionId })),
        })),
      }),
    } as unknown as Admin;
  }

  cluster(): KafkaCluster {
    return {
      connect: async () => undefined,
      disconnect: async () => undefined,
      refreshMetadata: async () => undefined,
      addMultipleTargetTopics: async () => undefined,
      findTopicPartitionMetadata: (topic: string) =>
        Array.from({ length: this.partitions.get(topic) ?? 0 }, (_, partitionId) => ({ partitionId, leader: 1 })),
      fetchTopicsOffset: async (topics: { topic: string; partitions: { partition: number }[] }[]) =>
        topics.map(({ topic, partitions }) => ({ topic, partitions: partitions.map(({ partition }) => ({ partition, offset: String(this.endOffset) })) })),
    } as unknown as KafkaCluster;
  }
}

function harness(parallelism: number) {
  const assigned: Array<[number, KafkaSplit[]]> = [];
  const ended: number[] = [];
  const context = {
    parallelism,
    assignSplits: (subtask: number, splits: readonly KafkaSplit[]) => assigned.push([subtask, [...splits]]),
    signalNoMoreSplits: (subtask: number) => ended.push(subtask),
  };
  return { assigned, ended, context, splits: () => assigned.flatMap(([, splits]) => splits) };
}

const settings = (overrides: Partial<KafkaEnumeratorSettings> = {}): KafkaEnumeratorSettings => ({
  selection: { topics: ['orders'], pattern: undefined },
  startFrom: 'latest',
  bounded: false,
  discoveryIntervalMs: 0,
  retry: DEFAULT_KAFKA_RETRY,
  ...overrides,
});

describe('KafkaSplitEnumerator', () => {
  const log = testInitContext().log;

  it('assigns every partition to its owner subtask, starting from startFrom', async () => {
    const kafka = new FakeKafka();
    kafka.partitions.set('orders', 4);
    const { assigned, context, ended } = harness(3);
    const enumerator = new KafkaSplitEnumerator(context, settings(), { admin: kafka.admin(), cluster: kafka.cluster() }, log);
    await enumerator.start();
    for (const [subtask, splits] of assigned) {
      for (const split of splits) expect(ownerSubtask(split.topic, split.partition, 3)).toBe(subtask);
    }
    expect(assigned.flatMap(([, splits]) => splits).map((split) => [split.splitId, split.start.kind]).sort()).toEqual([
      ['orders-0', 'latest'],
      ['orders-1', 'latest'],
      ['orders-2', 'latest'],
      ['orders-3', 'latest'],
    ]);
    expect(ended).toEqual([]);
    expect(enumerator.snapshotState(1).assigned).toHaveLength(4);
    await enumerator.close();
  });

  it('starts partitions and topics found after the first discovery at earliest, and never assigns one twice', async () => {
    const kafka = new FakeKafka();
    kafka.partitions.set('orders', 2);
    kafka.partitions.set('__consumer_offsets', 50);
    const { context, splits } = harness(2);
    const pattern = /^(?:orders|audit-.*|__.*)$/u;
    const enumerator = new KafkaSplitEnumerator(
      context,
      settings({ selection: { topics: [], pattern }, discoveryIntervalMs: 20 }),
      { admin: kafka.admin(), cluster: kafka.cluster() },
      log,
    );
    await enumerator.start();
    expect(splits().map((split) => split.splitId).sort()).toEqual(['orders-0', 'orders-1']); // __consumer_offsets matches the pattern but is internal
    kafka.partitions.set('orders', 3);
    kafka.partitions.set('audit-1', 1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    await enumerator.close();
    const later = splits().slice(2);
    expect(later.map((split) => [split.splitId, split.start.kind]).sort()).toEqual([
      ['audit-1-0', 'earliest'],
      ['orders-2', 'earliest'],
    ]);
  });

  it('restored, assigns only partitions it had not assigned before, from earliest', async () => {
    const kafka = new FakeKafka();
    kafka.partitions.set('orders', 3);
    const { context, splits } = harness(2);
    const restored = { initialDiscoveryDone: true, assigned: [{ topic: 'orders', partition: 0 }, { topic: 'orders', partition: 1 }] };
    const enumerator = new KafkaSplitEnumerator(context, settings(), { admin: kafka.admin(), cluster: kafka.cluster() }, log, restored);
    await enumerator.start();
    expect(splits()).toEqual([{ splitId: 'orders-2', topic: 'orders', partition: 2, start: { kind: 'earliest' } }]);
    await enumerator.close();
  });

  it('bounded: gives every split its end offset as stop offset and signals no more splits to every subtask', async () => {
    const kafka = new FakeKafka();
    kafka.partitions.set('orders', 2);
    const { context, splits, ended } = harness(3);
    const startFrom = { offsets: { orders: { '1': 7 } } };
    const enumerator = new KafkaSplitEnumerator(context, settings({ bounded: true, startFrom }), { admin: kafka.admin(), cluster: kafka.cluster() }, log);
    await enumerator.start();
    expect(splits().sort((a, b) => a.partition - b.partition)).toEqual([
      { splitId: 'orders-0', topic: 'orders', partition: 0, start: { kind: 'earliest' }, stopOffset: 50 },
      { splitId: 'orders-1', topic: 'orders', partition: 1, start: { kind: 'offset', offset: 7 }, stopOffset: 50 },
    ]);
    expect(ended).toEqual([0, 1, 2]);
    // restored after its discovery: assigns nothing, signals again
    const again = harness(3);
    const restored = new KafkaSplitEnumerator(
      again.context,
      settings({ bounded: true }),
      { admin: kafka.admin(), cluster: kafka.cluster() },
      log,
      enumerator.snapshotState(1),
    );
    await restored.start();
    expect(again.assigned).toEqual([]);
    expect(again.ended).toEqual([0, 1, 2]);
  });

  it('fails its start when a configured topic does not exist', async () => {
    const kafka = new FakeKafka();
    const { context } = harness(1);
    const enumerator = new KafkaSplitEnumerator(context, settings(), { admin: kafka.admin(), cluster: kafka.cluster() }, log);
    await expect(enumerator.start()).rejects.toMatchObject({ code: 'LS_KAFKA_TOPIC_NOT_FOUND' });
  });
});
