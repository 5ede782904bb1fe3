import { MAX_SEND_BYTES, PendingBatch } from './pending-batch';
import type { EncodedRecord } from './record-encoding';

const record = (topic: string, bytes: number): EncodedRecord => ({ topic, message: { value: Buffer.alloc(0) }, bytes });

describe('PendingBatch', () => {
  it('is full at the record count', () => {
    const batch = new PendingBatch(3);
    for (let i = 0; i < 3; i += 1) {
      expect(batch.isFullFor(record('t', 10))).toBe(false);
      batch.add(record('t', 10));
    }
    expect(batch.isFullFor(record('t', 10))).toBe(true);
  });

  it('is full before a record would take it over the byte budget, never after', () => {
    const batch = new PendingBatch(1_000_000);
    const kib = 1024;
    let bytes = 0;
    while (!batch.isFullFor(record('t', kib))) {
      batch.add(record('t', kib));
      bytes += kib;
    }
    expect(bytes).toBeLessThanOrEqual(MAX_SEND_BYTES);
    expect(bytes + kib).toBeGreaterThan(MAX_SEND_BYTES);
  });

  it('takes a record bigger than the budget on its own', () => {
    const batch = new PendingBatch(10);
    expect(batch.isFullFor(record('t', 2 * MAX_SEND_BYTES))).toBe(false);
    batch.add(record('t', 2 * MAX_SEND_BYTES));
    expect(batch.isFullFor(record('t', 1))).toBe(true);
  });

  it('hands out messages by topic and empties itself', () => {
    const batch = new PendingBatch(10);
    batch.add(record('a', 1));
    batch.add(record('b', 1));
    batch.add(record('a', 1));
    expect(batch.take().map(({ topic, messages }) => [topic, messages.length])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(batch.size).toBe(0);
    expect(batch.take()).toEqual([]);
  });
});
