import type { _Record } from '@aws-sdk/client-kinesis';
import { RecordError } from '../../../core/sdk';
import { kinesisSplit } from './kinesis-split';
import { decodeKinesisRecord } from './record-decoding';
import { ShardReading } from './shard-reading';

function record(sequence: string, data: string, arrival = 1_000): _Record {
  return { SequenceNumber: sequence, Data: Buffer.from(data), PartitionKey: `k${sequence}`, ApproximateArrivalTimestamp: new Date(arrival) };
}

const json = (item: _Record) => decodeKinesisRecord('orders', 's0', item, 'json');

describe('ShardReading', () => {
  it('hands out fetched records up to max, the position after the last one handed out', () => {
    const shard = new ShardReading(kinesisSplit('s0', { kind: 'trim-horizon' }));
    shard.fetched([record('1', '{"a":1}'), record('2', '{"a":2}'), record('3', '{"a":3}')]);
    expect(shard.take(2, json).map((item) => item.value)).toEqual([{ a: 1 }, { a: 2 }]);
    expect(shard.toSplit().start).toEqual({ kind: 'after', sequenceNumber: '2' });
    expect(shard.take(5, json)).toMatchObject([{ value: { a: 3 }, key: 'k3', timestamp: 1_000, origin: 'orders/s0@3' }]);
    expect(shard.toSplit().start).toEqual({ kind: 'after', sequenceNumber: '3' });
    expect(shard.hasPending).toBe(false);
  });

  it('hands out the records before a bad one, then throws the bad one alone, past it', () => {
    const shard = new ShardReading(kinesisSplit('s0', { kind: 'trim-horizon' }));
    shard.fetched([record('1', '{"a":1}'), record('2', 'not json'), record('3', '{"a":3}')]);
    expect(shard.take(10, json)).toHaveLength(1);
    let thrown: unknown;
    try {
      shard.take(10, json);
    } catch (error) {
      thrown = error;
    }
    expect(RecordError.isRecordError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ code: 'LS_KINESIS_VALUE_NOT_JSON', message: expect.stringContaining('orders/s0@2') });
    expect(shard.toSplit().start).toEqual({ kind: 'after', sequenceNumber: '2' });
    expect(shard.take(10, json).map((item) => item.value)).toEqual([{ a: 3 }]);
  });

  it('bounded: drops records that arrived after the stop time and ends once the rest was handed out', () => {
    const shard = new ShardReading(kinesisSplit('s0', { kind: 'trim-horizon' }, 2_000));
    shard.fetched([record('1', '1', 1_500), record('2', '2', 2_000), record('3', '3', 2_001), record('4', '4', 1_900)]);
    expect(shard.finished).toBe(false);
    expect(shard.take(10, json).map((item) => item.value)).toEqual([1, 2]);
    expect(shard.finished).toBe(true);
  });
});
