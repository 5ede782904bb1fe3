import type { KafkaBroker, KafkaFetchPartition } from './cluster';
import { decodePartition, fetchPartitions } from './fetch';

/** A record as kafkajs' record decoder returns it. */
function record(offset: number, value: string | null, batch: { first: number; lastDelta: number; producerId?: string; control?: boolean; tx?: boolean }) {
  return {
    offset: String(offset),
    key: batch.control ? Buffer.from([0, 0, 0, value === 'commit' ? 1 : 0]) : null,
    value: value === null ? null : Buffer.from(value),
    headers: {},
    timestamp: '1700000000000',
    isControlRecord: batch.control ?? false,
    batchContext: {
      firstOffset: String(batch.first),
      lastOffsetDelta: batch.lastDelta,
      producerId: batch.producerId ?? '-1',
      inTransaction: batch.tx ?? false,
    },
  };
}

function partition(messages: unknown[], abortedTransactions: unknown[] = []): KafkaFetchPartition {
  return { partition: 0, errorCode: 0, highWatermark: '100', lastStableOffset: '100', abortedTransactions, messages };
}

const entry = (fetchOffset: number) => ({ topic: 't', partition: 0, fetchOffset, maxBytes: 1024 });

describe('decodePartition', () => {
  it('returns records from the fetched offset on and the offset after the last one', () => {
    const batch = { first: 0, lastDelta: 2 };
    const fetched = decodePartition(entry(1), partition([record(0, 'a', batch), record(1, 'b', batch), record(2, 'c', batch)]));
    expect(fetched.messages.map((message) => message.value?.toString())).toEqual(['b', 'c']);
    expect(fetched.nextOffset).toBe(3);
  });

  it('copies keys, values and header values out of the response, so no record keeps the response alive', () => {
    const response = Buffer.from('key-1value-1h-1h-2h-3');
    const slice = (from: number, to: number) => response.subarray(from, to);
    const message = { ...record(0, null, { first: 0, lastDelta: 0 }), key: slice(0, 5), value: slice(5, 12), headers: { a: slice(12, 15), b: [slice(15, 18), null, slice(18, 21)] } };
    const fetched = decodePartition(entry(0), partition([message, record(1, null, { first: 0, lastDelta: 1 })]));
    response.fill(0);
    const [first, second] = fetched.messages;
    expect(first?.key?.toString()).toBe('key-1');
    expect(first?.value?.toString()).toBe('value-1');
    expect(first?.headers).toEqual({ a: Buffer.from('h-1'), b: [Buffer.from('h-2'), null, Buffer.from('h-3')] });
    expect([first?.offset, first?.timestamp]).toEqual(['0', '1700000000000']);
    expect([second?.key, second?.value]).toEqual([null, null]);
    expect(Object.keys(second ?? {}).sort()).toEqual(['headers', 'key', 'offset', 'timestamp', 'value']);
  });

  it('keeps an empty key or value a Buffer, not null', () => {
    const message = { ...record(0, '', { first: 0, lastDelta: 0 }), key: Buffer.alloc(0) };
    const [fetched] = decodePartition(entry(0), partition([message])).messages;
    expect([fetched?.key, fetched?.value]).toEqual([Buffer.alloc(0), Buffer.alloc(0)]);
  });

  it('skips aborted transactions and control records but moves past them', () => {
    const aborted = { first: 0, lastDelta: 1, producerId: '7', tx: true };
    const abortMarker = { first: 2, lastDelta: 0, producerId: '7', tx: true, control: true };
    const committed = { first: 3, lastDelta: 0, producerId: '8', tx: true };
    const commitMarker = { first: 4, lastDelta: 0, producerId: '8', tx: true, control: true };
    const fetched = decodePartition(
      entry(0),
      partition(
        [record(0, 'x', aborted), record(1, 'y', aborted), record(2, 'abort', abortMarker), record(3, 'ok', committed), record(4, 'commit', commitMarker)],
        [{ producerId: '7', firstOffset: '0' }],
      ),
    );
    expect(fetched.messages.map((message) => message.value?.toString())).toEqual(['ok']);
    expect(fetched.nextOffset).toBe(5);
  });

  it('skips records of aborted transactions whatever order the broker lists them in', () => {
    // Two transactions aborted together (Kafka 4.3 answered [39@5, 38@4]).
    const first = { first: 4, lastDelta: 0, producerId: '38', tx: true };
    const second = { first: 5, lastDelta: 0, producerId: '39', tx: true };
    const fetched = decodePartition(
      entry(4),
      partition(
        [
          record(4, 'a2', first),
          record(5, 'b3', second),
          record(6, 'abort', { ...second, first: 6, control: true }),
          record(7, 'abort', { ...first, first: 7, control: true }),
        ],
        [{ producerId: '39', firstOffset: '5' }, { producerId: '38', firstOffset: '4' }],
      ),
    );
    expect(fetched.messages).toEqual([]);
    expect(fetched.nextOffset).toBe(8);
  });

  it('skips records of two producers when the fetch starts inside both of their aborted transactions', () => {
    // kafkajs 2.2.4's filter took one listed transaction per record, so at offset 20 only producer 11's (listed
    // first): producer 12's first record came through as committed
    const p11 = (first: number) => ({ first, lastDelta: 0, producerId: '11', tx: true });
    const p12 = (first: number) => ({ first, lastDelta: 0, producerId: '12', tx: true });
    const plain = { first: 24, lastDelta: 0 };
    const fetched = decodePartition(
      entry(20),
      partition(
        [
          record(20, 'x12', p12(20)),
          record(21, 'x11', p11(21)),
          record(22, 'abort', { ...p11(22), control: true }),
          record(23, 'x12', p12(23)),
          record(24, 'plain', plain),
          record(25, 'abort', { ...p12(25), control: true }),
          record(26, 'ok11', p11(26)),
          record(27, 'commit', { ...p11(27), control: true }),
        ],
        [{ producerId: '11', firstOffset: '10' }, { producerId: '12', firstOffset: '15' }],
      ),
    );
    expect(fetched.messages.map((message) => message.value?.toString())).toEqual(['plain', 'ok11']);
    expect(fetched.nextOffset).toBe(28);
  });

  it('under read_uncommitted delivers records of aborted transactions, never control records', () => {
    const aborted = { first: 0, lastDelta: 0, producerId: '7', tx: true };
    const data = partition([record(0, 'x', aborted), record(1, 'abort', { ...aborted, first: 1, control: true })], [{ producerId: '7', firstOffset: '0' }]);
    expect(decodePartition(entry(0), data, 0).messages.map((message) => message.value?.toString())).toEqual(['x']);
    expect(decodePartition(entry(0), data, 1).messages).toEqual([]);
  });

  it('reads records of the legacy message format (no batch header) one by one', () => {
    const legacy = (offset: number, value: string) => ({ offset: String(offset), key: null, value: Buffer.from(value), headers: {}, timestamp: '0' });
    const fetched = decodePartition(entry(3), partition([legacy(2, 'a'), legacy(3, 'b'), legacy(4, 'c')]));
    expect(fetched.messages.map((message) => message.value?.toString())).toEqual(['b', 'c']);
    expect(fetched.nextOffset).toBe(5);
  });

  it('fails naming the partition when kafkajs lists an aborted transaction without its fields', () => {
    expect(() => decodePartition(entry(0), partition([], [{ producer: '1' }]))).toThrow(
      expect.objectContaining({ code: 'LS_KAFKA_INTERNALS', message: expect.stringContaining('t/0@0') }),
    );
  });

  it('moves to the end of a batch whose last records were compacted away', () => {
    const fetched = decodePartition(entry(0), partition([record(0, 'a', { first: 0, lastDelta: 9 })]));
    expect(fetched.nextOffset).toBe(10);
  });

  it('stays where it was when nothing came', () => {
    const fetched = decodePartition(entry(42), partition([]));
    expect(fetched).toMatchObject({ messages: [], nextOffset: 42, highWatermark: 100, lastStableOffset: 100 });
  });
});

describe('fetchPartitions', () => {
  const brokerAnswering = (partitions: KafkaFetchPartition[]): KafkaBroker =>
    ({ fetch: async () => ({ responses: [{ topicName: 't', partitions }] }) }) as unknown as KafkaBroker;
  const request = { isolationLevel: 1, maxWaitTime: 10, minBytes: 1, maxBytes: 1000, partitions: [entry(5)] };

  it('decodes the partitions asked for', async () => {
    const batch = { first: 5, lastDelta: 0 };
    const fetched = await fetchPartitions(brokerAnswering([partition([record(5, 'a', batch)])]), request);
    expect(fetched.map((result) => [result.topic, result.partition, result.nextOffset])).toEqual([['t', 0, 6]]);
  });

  it('throws a partition error the response parser let through, typed like kafkajs\' errors', async () => {
    await expect(fetchPartitions(brokerAnswering([{ ...partition([]), errorCode: 1 }]), request)).rejects.toMatchObject({
      type: 'OFFSET_OUT_OF_RANGE',
      topic: 't',
      partition: 0,
      retriable: false,
    });
    await expect(fetchPartitions(brokerAnswering([{ ...partition([]), errorCode: 6 }]), request)).rejects.toMatchObject({
      type: 'NOT_LEADER_FOR_PARTITION',
      retriable: true,
    });
  });
});
