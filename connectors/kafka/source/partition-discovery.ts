import type { Admin } from 'kafkajs';
import type { AssignedPartition } from './kafka-enumerator-state';

/** What a discovery found: every partition of the topics read, and the configured topics that do not exist. */
export interface DiscoveredPartitions {
  readonly partitions: readonly AssignedPartition[];
  readonly missingTopics: readonly string[];
}

/** Which topics a source reads: those named, and those whose whole name matches the pattern. */
export interface TopicSelection {
  readonly topics: readonly string[];
  readonly pattern: RegExp | undefined;
}

/** `topicPattern` as a regular expression that must match a whole topic name. */
export function topicPatternRegExp(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, 'u');
}

/**
 * Lists the cluster's topics and returns the partitions of the selected ones, sorted by topic and partition. Internal
 * topics (`__consumer_offsets`, `__transaction_state`…) only count when named explicitly, never through the pattern.
 */
export async function discoverPartitions(admin: Admin, selection: TopicSelection): Promise<DiscoveredPartitions> {
  const existing = new Set(await admin.listTopics());
  const selected = new Set(selection.topics.filter((topic) => existing.has(topic)));
  const missingTopics = selection.topics.filter((topic) => !existing.has(topic));
  const { pattern } = selection;
  if (pattern !== undefined) {
    for (const topic of existing) if (!topic.startsWith('__') && pattern.test(topic)) selected.add(topic);
  }
  if (selected.size === 0) return { partitions: [], missingTopics };
  const metadata = await admin.fetchTopicMetadata({ topics: [...selected] });
  const partitions = metadata.topics.flatMap((topic) =>
    topic.partitions.map((partition) => ({ topic: topic.name, partition: partition.partitionId })),
  );
  partitions.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  return { partitions, missingTopics };
}
