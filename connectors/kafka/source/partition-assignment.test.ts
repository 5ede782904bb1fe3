import { javaStringHash, ownerSubtask } from './partition-assignment';

describe('partition assignment', () => {
  it('hashes like Java String.hashCode', () => {
    expect(javaStringHash('')).toBe(0);
    expect(javaStringHash('a')).toBe(97);
    expect(javaStringHash('hello')).toBe(99162322);
    expect(javaStringHash('Aa')).toBe(javaStringHash('BB'));
    // overflows 32 bits like Java (a well-known string whose hashCode is Integer.MIN_VALUE)
    expect(javaStringHash('polygenelubricants')).toBe(-2147483648);
  });

  it('assigns like Flink: round-robin over the subtasks from a start derived from the topic', () => {
    // Flink: ((topic.hashCode() * 31) & 0x7FFFFFFF) % parallelism, then + partition
    const start = (Math.imul(javaStringHash('orders'), 31) & 0x7fffffff) % 4;
    expect([0, 1, 2, 3, 4].map((partition) => ownerSubtask('orders', partition, 4))).toEqual(
      [0, 1, 2, 3, 4].map((partition) => (start + partition) % 4),
    );
  });

  it('is deterministic, in range, and spreads a topic\'s partitions evenly', () => {
    const owners = Array.from({ length: 12 }, (_, partition) => ownerSubtask('payments.v2', partition, 3));
    expect(owners).toEqual(Array.from({ length: 12 }, (_, partition) => ownerSubtask('payments.v2', partition, 3)));
    expect(owners.every((owner) => owner >= 0 && owner < 3)).toBe(true);
    expect([0, 1, 2].map((subtask) => owners.filter((owner) => owner === subtask).length)).toEqual([4, 4, 4]);
    expect(ownerSubtask('anything', 5, 1)).toBe(0);
  });
});
