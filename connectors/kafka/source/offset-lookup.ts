import type { KafkaCluster } from '../internals';

/** Which offset of a partition to look up: its first, the end (the last stable offset under read_committed), or the
 * first at or after a timestamp (the end when there is none). */
export type OffsetQuery = 'earliest' | 'latest' | { readonly timestamp: number };

export interface OffsetLookup {
  readonly topic: string;
  readonly partition: number;
  readonly query: OffsetQuery;
}

const key = (topic: string, partition: number): string => `${partition}:${topic}`;

/**
 * Looks up offsets with ListOffsets, through the cluster's isolation level (so `latest` is the last stable offset for
 * read_committed). Partitions missing from the cluster's metadata are refreshed for first; a partition still unknown
 * fails with an error naming it (`withKafkaRetry` refreshes and retries it). Returns offsets by `<partition>:<topic>`;
 * read them with {@link offsetOf}.
 */
export async function lookUpOffsets(cluster: KafkaCluster, lookups: readonly OffsetLookup[]): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  if (lookups.length === 0) return result;
  await cluster.addMultipleTargetTopics([...new Set(lookups.map((lookup) => lookup.topic))]);
  const groups = new Map<string, OffsetLookup[]>();
  for (const lookup of lookups) {
    const group = typeof lookup.query === 'string' ? lookup.query : `t${lookup.query.timestamp}`;
    groups.set(group, [...(groups.get(group) ?? []), lookup]);
  }
  const noRecordAfter: OffsetLookup[] = [];
  for (const group of groups.values()) {
    const query = (group[0] as OffsetLookup).query;
    const found = await listOffsets(cluster, group, query);
    for (const lookup of group) {
      const offset = found.get(key(lookup.topic, lookup.partition));
      if (offset === undefined) throw unknownPartition(lookup);
      // ListOffsets by timestamp answers -1 when no record is that recent: start at the end
      if (offset < 0) noRecordAfter.push({ ...lookup, query: 'latest' });
      else result.set(key(lookup.topic, lookup.partition), offset);
    }
  }
  if (noRecordAfter.length > 0) {
    const ends = await listOffsets(cluster, noRecordAfter, 'latest');
    for (const lookup of noRecordAfter) {
      const offset = ends.get(key(lookup.topic, lookup.partition));
      if (offset === undefined) throw unknownPartition(lookup);
      result.set(key(lookup.topic, lookup.partition), offset);
    }
  }
  return result;
}

/** The offset {@link lookUpOffsets} found for `topic`/`partition`. */
export function offsetOf(offsets: ReadonlyMap<string, number>, topic: string, partition: number): number | undefined {
  return offsets.get(key(topic, partition));
}

async function listOffsets(cluster: KafkaCluster, lookups: readonly OffsetLookup[], query: OffsetQuery): Promise<Map<string, number>> {
  const byTopic = new Map<string, { partition: number }[]>();
  for (const { topic, partition } of lookups) byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition }]);
  const missing = lookups.filter(({ topic, partition }) => !cluster.findTopicPartitionMetadata(topic).some((p) => p.partitionId === partition));
  if (missing.length > 0) await cluster.refreshMetadata();
  const topics = [...byTopic].map(([topic, partitions]) =>
    typeof query === 'string' ? { topic, partitions, fromBeginning: query === 'earliest' } : { topic, partitions, fromTimestamp: query.timestamp },
  );
  const response = await cluster.fetchTopicsOffset(topics);
  const found = new Map<string, number>();
  for (const { topic, partitions } of response) {
    for (const { partition, offset } of partitions) found.set(key(topic, partition), Number(offset));
  }
  return found;
}

function unknownPartition(lookup: OffsetLookup): Error {
  // typed like kafkajs' error so withKafkaRetry refreshes metadata and tries again
  return Object.assign(new Error(`no leader known for ${lookup.topic}/${lookup.partition}`), { type: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true });
}
