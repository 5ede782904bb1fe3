import type { _Record } from '@aws-sdk/client-kinesis';
import { type LockstepRecord, RecordError } from '../../../core/sdk';
import type { KinesisSplit, KinesisStartPosition } from './kinesis-split';

/**
 * One shard as a reader tracks it: the position after the last record handed out, the records fetched but not handed
 * out yet, the shard iterator for the next GetRecords call, when that call may be made, and whether the shard's end
 * was seen (closed and read through, or — bounded — caught up or past the stop time).
 */
export class ShardReading {
  position: KinesisStartPosition;
  iterator: string | undefined;
  /** Earliest time (ms) of the next GetRecords call: the shard's rate limit, the poll interval or a backoff. */
  nextCallAt = 0;
  /** Consecutive throttled or failed calls. */
  failures = 0;
  millisBehindLatest: number | undefined;
  endSeen = false;
  private pending: _Record[] = [];

  constructor(readonly split: KinesisSplit) {
    this.position = split.start;
  }

  get shardId(): string {
    return this.split.shardId;
  }

  /** The split a checkpoint stores: the shard from the position after the last record handed out. */
  toSplit(): KinesisSplit {
    return { ...this.split, start: this.position };
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** The shard may end now: its end was seen and everything fetched was handed out. */
  get finished(): boolean {
    return this.endSeen && this.pending.length === 0;
  }

  /** Records of one GetRecords call; those that arrived after a bounded read's stop time end the shard. */
  fetched(records: readonly _Record[]): void {
    const stop = this.split.stopAtTimestamp;
    const cut = stop === undefined ? -1 : records.findIndex((record) => (record.ApproximateArrivalTimestamp?.getTime() ?? 0) > stop);
    if (cut >= 0) this.endSeen = true;
    this.pending.push(...(cut >= 0 ? records.slice(0, cut) : records));
  }

  /**
   * Up to `max` decoded records from those fetched, advancing the position past each. A record that does not decode
   * is thrown (a `RecordError`) alone, after the records decoded before it were handed out by an earlier call.
   */
  take(max: number, decode: (record: _Record) => LockstepRecord): LockstepRecord[] {
    const out: LockstepRecord[] = [];
    while (out.length < max) {
      const next = this.pending[0];
      if (next === undefined) break;
      let record: LockstepRecord;
      try {
        record = decode(next);
      } catch (error) {
        if (!RecordError.isRecordError(error)) throw error;
        if (out.length > 0) break;
        this.advancePast(next);
        throw error;
      }
      this.advancePast(next);
      out.push(record);
    }
    return out;
  }

  private advancePast(record: _Record): void {
    this.pending.shift();
    if (record.SequenceNumber !== undefined) this.position = { kind: 'after', sequenceNumber: record.SequenceNumber };
  }
}
