import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Logger } from 'pino';
import type { LockstepRecord, SinkWriter } from '../../../core/sdk';
import { putBatch, type PutCounters, type PutRetryPolicy } from './kinesis-put-batch';
import type { PutEntry, PutEntryEncoder } from './put-entry-encoding';

export interface KinesisSinkWriterDeps {
  readonly client: KinesisClient;
  readonly stream: string;
  readonly encoder: PutEntryEncoder;
  readonly maxBatchRecords: number;
  readonly maxBatchBytes: number;
  readonly retry: PutRetryPolicy;
  readonly log: Logger;
}

/**
 * Buffers encoded records and puts them in batches of at most `maxBatchRecords` records and `maxBatchBytes` bytes,
 * one batch at a time (so a subtask's records of a partition key are put in order, except for refused entries put
 * again). `flush` puts what is buffered and returns once every entry was acknowledged: a checkpoint completes only
 * after everything before its barrier is in the stream. At-least-once: a replay puts records again, with the same
 * record ids.
 *
 * Call order: the engine's (`SinkWriter`).
 */
export class KinesisSinkWriter implements SinkWriter {
  readonly counters: PutCounters = { calls: 0, retriedEntries: 0 };
  private buffer: PutEntry[] = [];
  private bufferedBytes = 0;

  constructor(private readonly deps: KinesisSinkWriterDeps) {}

  init(): Promise<void> {
    return Promise.resolve();
  }

  async write(records: readonly LockstepRecord[]): Promise<void> {
    for (const record of records) {
      // a record that does not encode is thrown; those before it stay buffered and are put by the next flush
      const entry = this.deps.encoder.encode(record);
      if (this.buffer.length >= this.deps.maxBatchRecords || this.bufferedBytes + entry.size > this.deps.maxBatchBytes) await this.putBuffered();
      this.buffer.push(entry);
      this.bufferedBytes += entry.size;
    }
  }

  async flush(_endOfInput: boolean): Promise<void> {
    await this.putBuffered();
  }

  close(): Promise<void> {
    this.buffer = [];
    this.deps.client.destroy();
    return Promise.resolve();
  }

  private async putBuffered(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    await putBatch(this.deps.client, this.deps.stream, batch, this.deps.retry, this.counters, this.deps.log);
    this.buffer = [];
    this.bufferedBytes = 0;
  }
}
