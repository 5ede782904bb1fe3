/** Java's `String.hashCode` (UTF-16 code units, 32-bit overflow), so assignments match Flink's for the same topics. */
export function javaStringHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i += 1) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

/**
 * The reader subtask that owns `topic`/`partition`, as Flink's KafkaSourceEnumerator computes it: the topic's
 * partitions go round-robin from a start subtask derived from the topic's hash, so several topics spread evenly and
 * the owner never depends on discovery order (a restored or re-discovering enumerator assigns the same way).
 */
export function ownerSubtask(topic: string, partition: number, parallelism: number): number {
  const startIndex = (Math.imul(javaStringHash(topic), 31) & 0x7fffffff) % parallelism;
  return (startIndex + partition) % parallelism;
}
