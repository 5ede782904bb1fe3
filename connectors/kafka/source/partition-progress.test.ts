import { type LockstepRecord, RecordError } from '../../../core/sdk';
import type { FetchedMessage, FetchedPartition } from '../internals';
import { kafkaSplit } from './kafka-split';
import { PartitionProgress } from './partition-progress';
import { KafkaRecordDecoder } from './record-decoding';

const decoder = new KafkaRecordDecoder({ keyFormat: 'string', valueFormat: 'json' });
const decode = (message: FetchedMessage): LockstepRecord => decoder.decode('t', 0, message);
const message = (offset: number, value = `{"n":${offset}}`): FetchedMessage => ({
  offset: String(offset),
  key: null,
  value: Buffer.from(value),
  headers: {},
  timestamp: '0',
});
const fetched = (fetchOffset: number, offsets: number[], nextOffset: number, bad?: number): FetchedPartition => ({
  topic: 't',
  partition: 0,
  fetchOffset,
  messages: offsets.map((offset) => message(offset, offset === bad ? '{bad' : undefined)),
  nextOffset,
  highWatermark: nextOffset,
  lastStableOffset: nextOffset,
});
const take = (progress: PartitionProgress, max: number): unknown[] => {
  const into: LockstepRecord[] = [];
  progress.take(max, decode, into);
  return into.map((record) => record.value);
};

describe('PartitionProgress', () => {
  it('checkpoints the position after the last record returned, not fetched', () => {
    const progress = new PartitionProgress(kafkaSplit('t', 0, { kind: 'offset', offset: 5 }));
    progress.append(fetched(5, [5, 6, 7], 8));
    expect(progress.fetchOffset).toBe(8);
    expect(progress.snapshot().start).toEqual({ kind: 'offset', offset: 5 });
    expect(take(progress, 2)).toEqual([{ n: 5 }, { n: 6 }]);
    expect(progress.snapshot().start).toEqual({ kind: 'offset', offset: 7 });
    expect(take(progress, 10)).toEqual([{ n: 7 }]);
    expect(progress.snapshot().start).toEqual({ kind: 'offset', offset: 8 });
    expect(progress.bufferedBytes).toBe(0);
  });

  it('moves past skipped records (control records, aborted transactions) at the end of a fetch', () => {
    const progress = new PartitionProgress(kafkaSplit('t', 0, { kind: 'offset', offset: 0 }, 10));
    progress.append(fetched(0, [0, 3], 6));
    progress.append(fetched(6, [], 10));
    expect(take(progress, 10)).toEqual([{ n: 0 }, { n: 3 }]);
    expect(progress.position).toBe(10);
    expect(progress.ended).toBe(true);
  });

  it('stops at the stop offset of a bounded split and drops what was fetched beyond it', () => {
    const progress = new PartitionProgress(kafkaSplit('t', 0, { kind: 'offset', offset: 0 }, 2));
    progress.append(fetched(0, [0, 1, 2, 3], 4));
    expect(progress.wantsFetch).toBe(false);
    expect(take(progress, 10)).toEqual([{ n: 0 }, { n: 1 }]);
    expect(progress.position).toBe(2);
    expect(progress.ended).toBe(true);
    expect(progress.hasBuffered).toBe(false);
  });

  it('is ended at once when it starts at or after its stop offset', () => {
    expect(new PartitionProgress(kafkaSplit('t', 0, { kind: 'offset', offset: 3 }, 3)).ended).toBe(true);
    expect(new PartitionProgress(kafkaSplit('t', 0, { kind: 'earliest' }, 3)).ended).toBe(false);
  });

  it('returns the records before a bad one first, then throws for it with the position past it', () => {
    const progress = new PartitionProgress(kafkaSplit('t', 0, { kind: 'offset', offset: 0 }));
    progress.append(fetched(0, [0, 1, 2], 3, 1));
    expect(take(progress, 10)).toEqual([{ n: 0 }]);
    expect(progress.position).toBe(1);
    expect(() => take(progress, 10)).toThrow(RecordError);
    expect(progress.position).toBe(2);
    expect(take(progress, 10)).toEqual([{ n: 2 }]);
  });

  it('ignores a fetch answered for an offset it no longer fetches from', () => {
    const progress = new PartitionProgress(kafkaSplit('t', 0, { kind: 'offset', offset: 4 }));
    expect(progress.append(fetched(0, [0, 1], 2))).toBe(0);
    expect(progress.fetchOffset).toBe(4);
  });

  it('keeps a symbolic start until it is resolved, and snapshots values', () => {
    const progress = new PartitionProgress(kafkaSplit('t', 0, { kind: 'timestamp', timestamp: 9 }));
    expect(progress.wantsFetch).toBe(false);
    const before = progress.snapshot();
    expect(before.start).toEqual({ kind: 'timestamp', timestamp: 9 });
    progress.resolve(12);
    expect(progress.snapshot().start).toEqual({ kind: 'offset', offset: 12 });
    expect(before.start).toEqual({ kind: 'timestamp', timestamp: 9 });
  });
});
