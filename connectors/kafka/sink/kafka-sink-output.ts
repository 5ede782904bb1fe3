import type { Kafka } from 'kafkajs';
import type { CommittedRecord } from '../../../core/sdk';
import { createCluster, fetchPartitions, ISOLATION_LEVEL, type KafkaCluster } from '../internals';
import { lookUpOffsets, offsetOf } from '../source/offset-lookup';

const FETCH_BYTES = 4 * 1024 * 1024;

/**
 * What a Kafka sink committed to `topic`, as a read_committed consumer sees it: every partition from its first offset
 * to its last stable offset at the start of the read (records of aborted transactions and control records are not
 * delivered). A value is parsed as JSON when it is JSON text, else given as text (or null). Kafka records carry no source
 * position (the sink does not write one), so `lockstep verify` judges duplicates by `--key` or the whole value.
 */
export async function* readKafkaSinkOutput(client: Kafka, topic: string): AsyncGenerator<CommittedRecord> {
  const cluster = createCluster(client, { isolationLevel: ISOLATION_LEVEL.READ_COMMITTED });
  await cluster.connect();
  try {
    await cluster.addMultipleTargetTopics([topic]);
    const partitions = cluster.findTopicPartitionMetadata(topic).map((entry) => entry.partitionId).sort((a, b) => a - b);
    const starts = await lookUpOffsets(cluster, partitions.map((partition) => ({ topic, partition, query: 'earliest' as const })));
    const ends = await lookUpOffsets(cluster, partitions.map((partition) => ({ topic, partition, query: 'latest' as const })));
    for (const partition of partitions) {
      yield* readPartition(cluster, topic, partition, offsetOf(starts, topic, partition) ?? 0, offsetOf(ends, topic, partition) ?? 0);
    }
  } finally {
    await cluster.disconnect().catch(() => undefined);
  }
}

async function* readPartition(cluster: KafkaCluster, topic: string, partition: number, start: number, end: number): AsyncGenerator<CommittedRecord> {
  let offset = start;
  while (offset < end) {
    const leader = cluster.findTopicPartitionMetadata(topic).find((entry) => entry.partitionId === partition)?.leader;
    const broker = await cluster.findBroker({ nodeId: leader ?? -1 });
    const [fetched] = await fetchPartitions(broker, {
      isolationLevel: ISOLATION_LEVEL.READ_COMMITTED,
      maxWaitTime: 500,
      minBytes: 1,
      maxBytes: FETCH_BYTES,
      partitions: [{ topic, partition, fetchOffset: offset, maxBytes: FETCH_BYTES }],
    });
    if (fetched === undefined || fetched.nextOffset <= offset) return;
    for (const message of fetched.messages) {
      if (Number(message.offset) >= end) return;
      yield { value: decode(message.value), location: `${topic}/${partition}@${message.offset}` };
    }
    offset = fetched.nextOffset;
  }
}

function decode(value: Buffer | null): unknown {
  if (value === null) return null;
  const text = value.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
