import { Partitioners, type Message, type PartitionMetadata } from 'kafkajs';
import { FirstPartitioner, StablePartitioner } from './stable-partitioner';

const partitionMetadata = (count: number): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0, offlineReplicas: [] }));

/** Partitions `messages` twice, as kafkajs does when it retries a failed produce call. */
function twice(createPartitioner: () => (args: { topic: string; partitionMetadata: PartitionMetadata[]; message: Message }) => number, messages: Message[]): [number[], number[]] {
  const partition = createPartitioner();
  const once = (): number[] => messages.map((message) => partition({ topic: 't', partitionMetadata: partitionMetadata(3), message }));
  return [once(), once()];
}

describe('StablePartitioner', () => {
  const unkeyed = Array.from({ length: 10 }, (_, n) => ({ value: `v${n}` }));

  it('gives a message without a key the partition it had before, so a retry resends the same batches', () => {
    const [first, retry] = twice(StablePartitioner, unkeyed);
    expect(retry).toEqual(first);
    expect(new Set(first).size).toBe(3); // still spread round-robin
  });

  it("kafkajs' default partitioner does not (why it is replaced)", () => {
    const [first, retry] = twice(Partitioners.DefaultPartitioner, unkeyed);
    expect(retry).not.toEqual(first);
  });

  it('partitions keyed messages by the key, as the default partitioner', () => {
    const keyed = ['a', 'b', 'c', 'd'].map((key) => ({ key, value: key }));
    expect(twice(StablePartitioner, keyed)[0]).toEqual(twice(Partitioners.DefaultPartitioner, keyed)[0]);
  });

  it('chooses again when the remembered partition no longer exists', () => {
    const partition = StablePartitioner();
    const message = { key: 'k', value: 'v' };
    const fifty = Array.from({ length: 50 }, (_, partitionId) => ({ ...partitionMetadata(1)[0]!, partitionId }));
    expect(partition({ topic: 't', partitionMetadata: fifty, message })).toBeGreaterThan(0); // murmur2('k') % 50
    expect(partition({ topic: 't', partitionMetadata: partitionMetadata(1), message })).toBe(0);
  });
});

describe('FirstPartitioner', () => {
  it('partitions keyed messages, and messages with their own partition, as kafkajs’ default partitioner (bit for bit)', () => {
    const keyed: Message[] = Array.from({ length: 2_000 }, (_, n) => ({ key: n % 3 === 0 ? `key-${n}` : Buffer.from(`k${n}-ü`), value: 'v' }));
    const explicit: Message[] = [{ value: 'a', partition: 2 }, { key: 'k', value: 'b', partition: 1 }];
    for (const messages of [keyed, explicit]) {
      expect(twice(FirstPartitioner, messages)[0]).toEqual(twice(Partitioners.DefaultPartitioner, messages)[0]);
    }
  });

  it('spreads messages without a key round-robin', () => {
    const [first] = twice(FirstPartitioner, Array.from({ length: 9 }, (_, n) => ({ value: `v${n}` })));
    expect([0, 1, 2].map((partition) => first.filter((entry) => entry === partition).length)).toEqual([3, 3, 3]);
  });
});
