import { Partitioners, type ICustomPartitioner, type Message, type PartitionerArgs } from 'kafkajs';
import { keyPartition } from './murmur2';

/**
 * kafkajs' default partitioner, except that a message keeps the partition it was first given. kafkajs retries a
 * failed produce call by partitioning its messages again, and spreads messages without a key round-robin, so a retry
 * would put different messages (and a different count) on each partition. On an idempotent producer that breaks the
 * retry: kafkajs rewinds every partition's sequence number after a failed request, but the broker may have written
 * part or all of it (a request timeout, or an error for one partition of several), so the resent batch for a
 * partition carries the same first sequence number with other records — refused as OUT_OF_ORDER_SEQUENCE_NUMBER when
 * its length differs, and taken for a duplicate (its records silently dropped) when it is the same. With this
 * partitioner a retry resends the very batch the broker may already hold, which the broker recognises as a duplicate.
 * A keyed message gets the default partitioner's partition (murmur2 of the key), hashed by {@link keyPartition}
 * without kafkajs' 64-bit `Long` arithmetic.
 */
export const StablePartitioner: ICustomPartitioner = () => {
  const firstPartition = FirstPartitioner();
  const chosen = new WeakMap<Message, number>();
  return (args: PartitionerArgs): number => {
    const earlier = chosen.get(args.message);
    if (earlier !== undefined && earlier < args.partitionMetadata.length) return earlier;
    const partition = firstPartition(args);
    chosen.set(args.message, partition);
    return partition;
  };
};

/**
 * The partition {@link StablePartitioner} gives a message it has not seen, without remembering it: for a send path that
 * partitions each message once and resends the same batches on a retry (lockstep's own produce path). A message's
 * own `partition` if set; else, keyed, murmur2 of the key ({@link keyPartition}); else round-robin over the partitions
 * with a leader, from a random start per topic (kafkajs' default partitioner).
 */
export const FirstPartitioner: ICustomPartitioner = () => {
  const defaultPartition = Partitioners.DefaultPartitioner();
  return (args: PartitionerArgs): number => {
    const { message, partitionMetadata } = args;
    const keyed = (message.partition === undefined || message.partition === null) && message.key !== undefined && message.key !== null;
    return keyed ? keyPartition(message.key as Buffer | string, partitionMetadata.length) : defaultPartition(args);
  };
};
