import { testKafka } from './test-kafka';
import { createCluster, fetchPartitions, ISOLATION_LEVEL, type KafkaCluster } from '../../connectors/kafka/internals';

export interface CommittedMessage {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
}

/**
 * Everything a `read_committed` consumer sees in `topic` now: reads every partition from its start up to its last
 * stable offset (what is committed or not transactional), skipping aborted records and transaction markers.
 */
export async function readCommitted(brokers: readonly string[], topic: string): Promise<CommittedMessage[]> {
  const client = testKafka(brokers, 'lockstep-test-reader');
  const cluster = createCluster(client, { isolationLevel: ISOLATION_LEVEL.READ_COMMITTED });
  await cluster.connect();
  try {
    await cluster.addMultipleTargetTopics([topic]);
    const partitions = cluster.findTopicPartitionMetadata(topic).map((metadata) => ({ partition: metadata.partitionId }));
    const [ends, starts] = await Promise.all([
      cluster.fetchTopicsOffset([{ topic, partitions, fromBeginning: false }]),
      cluster.fetchTopicsOffset([{ topic, partitions, fromBeginning: true }]),
    ]);
    const result: CommittedMessage[] = [];
    for (const { partition } of partitions) {
      const end = Number(ends[0]?.partitions.find((entry) => entry.partition === partition)?.offset ?? 0);
      let offset = Number(starts[0]?.partitions.find((entry) => entry.partition === partition)?.offset ?? 0);
      for (let stalled = 0; offset < end; ) {
        const next = await fetchOnce(cluster, topic, partition, offset, result);
        stalled = next === offset ? stalled + 1 : 0;
        if (stalled > 50) throw new Error(`${topic}/${partition} makes no progress at offset ${offset} (last stable offset ${end})`);
        offset = next;
      }
    }
    return result;
  } finally {
    await cluster.disconnect();
  }
}

async function fetchOnce(cluster: KafkaCluster, topic: string, partition: number, offset: number, into: CommittedMessage[]): Promise<number> {
  const leader = Object.keys(cluster.findLeaderForPartitions(topic, [partition]))[0];
  if (leader === undefined) throw new Error(`no leader for ${topic}/${partition}`);
  const broker = await cluster.findBroker({ nodeId: leader });
  const [fetched] = await fetchPartitions(broker, {
    isolationLevel: ISOLATION_LEVEL.READ_COMMITTED,
    maxWaitTime: 100,
    minBytes: 1,
    maxBytes: 16 * 1024 * 1024,
    partitions: [{ topic, partition, fetchOffset: offset, maxBytes: 8 * 1024 * 1024 }],
  });
  if (fetched === undefined) return offset;
  for (const message of fetched.messages) {
    into.push({ partition, offset: Number(message.offset), key: message.key?.toString() ?? null, value: message.value?.toString() ?? null });
  }
  return fetched.nextOffset;
}
