import { MAX_SEND_BYTES, PendingBatch } from './pending-batch';
import type { EncodedRecord } from './record-encoding';
import { DELTA_SLACK, RECORD_BATCH_OVERHEAD } from './record-size';
import { UNKNOWN_LIMIT, type TopicSizeLimit } from './topic-size-limits';

const record = (topic: string, bytes: number, origin?: string): EncodedRecord => ({
  topic,
  message: { value: Buffer.alloc(0) },
  bytes,
  ...(origin === undefined ? {} : { origin }),
});
const limit = (bytes: number): TopicSizeLimit => ({ bytes, setting: 'max.message.bytes of topic t' });

describe('PendingBatch', () => {
  it('is full at the record count', () => {
    const batch = new PendingBatch(3);
    for (let i = 0; i < 3; i += 1) {
      expect(batch.isFullFor(record('t', 10), UNKNOWN_LIMIT)).toBe(false);
      batch.add(record('t', 10));
    }
    expect(batch.isFullFor(record('t', 10), UNKNOWN_LIMIT)).toBe(true);
  });

  it('is full before a record would take it over the byte budget, never after', () => {
    const batch = new PendingBatch(1_000_000);
    const kib = 1024;
    let bytes = 0;
    while (!batch.isFullFor(record('t', kib), UNKNOWN_LIMIT)) {
      batch.add(record('t', kib));
      bytes += kib;
    }
    expect(bytes).toBeLessThanOrEqual(MAX_SEND_BYTES);
    expect(bytes + kib).toBeGreaterThan(MAX_SEND_BYTES);
  });

  it("keeps each topic's records within its limit, batch header and delta slack included", () => {
    const batch = new PendingBatch(1_000_000);
    const small = limit(10_000);
    let bytes = RECORD_BATCH_OVERHEAD;
    while (!batch.isFullFor(record('t', 100), small)) {
      batch.add(record('t', 100));
      bytes += 100 + DELTA_SLACK;
    }
    expect(bytes).toBeLessThanOrEqual(small.bytes);
    expect(bytes + 100 + DELTA_SLACK).toBeGreaterThan(small.bytes);
    // another topic's records do not count against it
    expect(batch.isFullFor(record('other', 100), small)).toBe(false);
  });

  it('takes a record bigger than the budget on its own', () => {
    const batch = new PendingBatch(10);
    expect(batch.isFullFor(record('t', 2 * MAX_SEND_BYTES), UNKNOWN_LIMIT)).toBe(false);
    batch.add(record('t', 2 * MAX_SEND_BYTES));
    expect(batch.isFullFor(record('t', 1), UNKNOWN_LIMIT)).toBe(true);
  });

  it('hands out messages by topic with the origins of its first and last record, and empties itself', () => {
    const batch = new PendingBatch(10);
    batch.add(record('a', 1, 'in/0@1'));
    batch.add(record('b', 1, 'in/0@2'));
    batch.add(record('a', 1, 'in/1@7'));
    const taken = batch.take();
    expect(taken.topicMessages.map(({ topic, messages }) => [topic, messages.length])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(taken).toMatchObject({ records: 3, firstOrigin: 'in/0@1', lastOrigin: 'in/1@7' });
    expect(batch.size).toBe(0);
    expect(batch.take()).toEqual({ topicMessages: [], records: 0, firstOrigin: undefined, lastOrigin: undefined });
  });
});
