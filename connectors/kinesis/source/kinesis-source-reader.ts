import type { _Record } from '@aws-sdk/client-kinesis';
import type { Logger } from 'pino';
import { backoffDelayMs, type InitContext, type LockstepRecord, SourceReaderBase } from '../../../core/sdk';
import { classifyKinesisError, mapKinesisError } from '../kinesis-errors';
import type { FinishedShards } from './finished-shards';
import type { KinesisShardApi } from './kinesis-shard-api';
import type { KinesisSplit } from './kinesis-split';
import { decodeKinesisRecord, type KinesisValueFormat } from './record-decoding';
import { ShardReading } from './shard-reading';

/** The service allows 5 GetRecords calls per second per shard. */
export const MIN_CALL_INTERVAL_MS = 200;

/** How a reader paces its calls. */
export interface KinesisReaderTuning {
  /** Rest after a call that returned nothing. */
  readonly pollIntervalMs: number;
  readonly recordsPerCall: number;
  /** Backoff after throttling (retried for ever) and other transient failures (`maxAttempts` in a row, then fail). */
  readonly backoff: { readonly initialDelayMs: number; readonly maxDelayMs: number; readonly maxAttempts: number };
}

export interface KinesisSourceReaderDeps {
  readonly stream: string;
  readonly api: KinesisShardApi;
  readonly finishedShards: FinishedShards;
  readonly valueFormat: KinesisValueFormat;
  readonly tuning: KinesisReaderTuning;
  readonly log: Logger;
  readonly now?: () => number;
  /** `InitContext.reportSourceLag`: each GetRecords answer's `MillisBehindLatest`, per shard. */
  readonly reportSourceLag?: InitContext['reportSourceLag'];
}

/**
 * Reads the shards assigned to one subtask with GetRecords, in turn, each no more often than every 200 ms (less
 * often after an empty answer: `pollIntervalMs`). Throttling (`ProvisionedThroughputExceededException`) backs the
 * shard off with growing delays, for as long as it lasts; an expired iterator is replaced by one from the position
 * after the last record handed out. A shard read to its end (closed, or a bounded read caught up) is reported to the
 * enumerator, whose children it then hands out, and stays in this reader's checkpoints as finished until a completed
 * checkpoint covers its end (so a restore reports it again).
 *
 * Call order: the engine's (`SourceReader`).
 */
export class KinesisSourceReader extends SourceReaderBase<KinesisSplit, ShardReading> {
  /** Finished shards still in the checkpoints, with the checkpoint that first held them. */
  private readonly finishedSplits = new Map<string, { split: KinesisSplit; checkpointId: number | undefined }>();
  private cursor = 0;
  private readonly now: () => number;

  constructor(private readonly deps: KinesisSourceReaderDeps) {
    super(deps.log);
    this.now = deps.now ?? Date.now;
  }

  /** `MillisBehindLatest` of each owned shard, as its last GetRecords answer said (the lag metric). */
  millisBehindLatest(): ReadonlyMap<string, number | undefined> {
    return new Map([...this.splits.values()].map((shard) => [shard.shardId, shard.millisBehindLatest]));
  }

  override addSplits(splits: readonly KinesisSplit[]): void {
    for (const split of splits.filter((candidate) => candidate.finished === true)) {
      this.finishedSplits.set(split.splitId, { split, checkpointId: undefined });
      this.deps.finishedShards.report(this, split.shardId);
    }
    super.addSplits(splits.filter((candidate) => candidate.finished !== true));
  }

  override snapshotState(checkpointId: number): KinesisSplit[] {
    for (const entry of this.finishedSplits.values()) entry.checkpointId ??= checkpointId;
    return [...super.snapshotState(checkpointId), ...[...this.finishedSplits.values()].map((entry) => entry.split)];
  }

  notifyCheckpointComplete(checkpointId: number): Promise<void> {
    for (const [splitId, entry] of this.finishedSplits) {
      if (entry.checkpointId !== undefined && entry.checkpointId <= checkpointId) this.finishedSplits.delete(splitId);
    }
    return Promise.resolve();
  }

  protected override initSplitState(split: KinesisSplit): ShardReading {
    return new ShardReading(split);
  }

  protected override toSplit(state: ShardReading): KinesisSplit {
    return state.toSplit();
  }

  protected override async readRecords(max: number): Promise<readonly LockstepRecord[]> {
    const shard = this.nextShard();
    if (shard === undefined) return [];
    if (!shard.hasPending && !shard.endSeen) await this.fetch(shard);
    const records = shard.take(max, (record: _Record) => decodeKinesisRecord(this.deps.stream, shard.shardId, record, this.deps.valueFormat));
    if (shard.finished) this.finishSplit(shard.shardId);
    return records;
  }

  protected override whenAvailable(): number {
    const now = this.now();
    let earliest = Infinity;
    for (const shard of this.splits.values()) {
      if (shard.hasPending || shard.finished) return 0;
      earliest = Math.min(earliest, shard.nextCallAt - now);
    }
    return Math.max(0, earliest);
  }

  protected override onSplitFinished(splitId: string, state: ShardReading): void {
    this.finishedSplits.set(splitId, { split: { ...state.toSplit(), finished: true }, checkpointId: undefined });
    this.deps.finishedShards.report(this, state.shardId);
    this.log.info({ shard: splitId }, 'kinesis shard read to its end');
  }

  protected override onClose(): Promise<void> {
    this.deps.finishedShards.withdraw(this);
    this.deps.api.destroy();
    return Promise.resolve();
  }

  /** The next shard, in turn, that has records waiting or whose next call is due. */
  private nextShard(): ShardReading | undefined {
    const shards = [...this.splits.values()];
    const now = this.now();
    for (let step = 0; step < shards.length; step += 1) {
      const shard = shards[(this.cursor + step) % shards.length] as ShardReading;
      if (shard.hasPending || shard.finished || shard.nextCallAt <= now) {
        this.cursor = (this.cursor + step + 1) % shards.length;
        return shard;
      }
    }
    return undefined;
  }

  private async fetch(shard: ShardReading): Promise<void> {
    const { tuning } = this.deps;
    try {
      shard.iterator ??= await this.deps.api.shardIterator(shard.shardId, shard.position);
      if (shard.iterator === undefined) {
        shard.endSeen = true;
        return;
      }
      // every call counts against the shard's limit, also one that fails
      shard.nextCallAt = this.now() + MIN_CALL_INTERVAL_MS;
      // a full call even when the engine asks for fewer: the rest waits in the shard's buffer (calls are few and paced)
      const batch = await this.deps.api.getRecords(shard.iterator, tuning.recordsPerCall);
      shard.failures = 0;
      shard.iterator = batch.nextIterator;
      shard.millisBehindLatest = batch.millisBehindLatest;
      if (batch.millisBehindLatest !== undefined) this.deps.reportSourceLag?.(shard.shardId, 'milliseconds', batch.millisBehindLatest);
      shard.fetched(batch.records);
      const caughtUp = batch.records.length === 0 && batch.millisBehindLatest === 0;
      if (batch.nextIterator === undefined || (caughtUp && shard.split.stopAtTimestamp !== undefined)) shard.endSeen = true;
      shard.nextCallAt = this.now() + (batch.records.length === 0 ? Math.max(MIN_CALL_INTERVAL_MS, tuning.pollIntervalMs) : MIN_CALL_INTERVAL_MS);
    } catch (error) {
      this.failed(shard, error);
    }
  }

  private failed(shard: ShardReading, error: unknown): void {
    const kind = classifyKinesisError(error);
    const what = `GetRecords on ${shard.shardId} of ${this.deps.stream}`;
    if (kind === 'iterator-expired') {
      // a new iterator from the position after the last record handed out (records fetched but pending stay)
      shard.iterator = undefined;
      this.log.debug({ shard: shard.shardId }, 'kinesis shard iterator expired; getting a new one');
      return;
    }
    const { backoff } = this.deps.tuning;
    shard.failures += 1;
    if (kind !== 'throttled' && (kind !== 'transient' || shard.failures >= backoff.maxAttempts)) throw mapKinesisError(error, what);
    const delay = backoffDelayMs({ ...backoff, jitter: 0.2 }, Math.min(shard.failures, 30));
    shard.nextCallAt = this.now() + Math.max(MIN_CALL_INTERVAL_MS, delay);
    this.log.debug({ shard: shard.shardId, err: error, delayMs: delay, kind }, 'kinesis call refused; backing off');
  }
}
