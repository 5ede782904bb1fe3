import type { Message } from 'kafkajs';
import type { LockstepRecord } from '../../../core/sdk';
import type { EncodedRecord, RecordEncoder } from './record-encoding';

/**
 * Bytes one produce call may carry. kafkajs puts a call's records for one partition into one record batch, and the
 * broker refuses a batch over the topic's `max.message.bytes` (1 MiB + 12 bytes by default) with "message too
 * large" — a failure no retry mends. Keeping the whole call under 768 KiB keeps every batch in it under the default
 * limit, with room for the estimate's error.
 */
export const MAX_SEND_BYTES = 768 * 1024;

/** Records waiting for the next produce call, by topic, bounded by a record count and {@link MAX_SEND_BYTES}. */
export class PendingBatch {
  private byTopic = new Map<string, Message[]>();
  private records = 0;
  private bytes = 0;

  constructor(private readonly maxRecords: number) {}

  get size(): number {
    return this.records;
  }

  /** True when `record` does not fit any more: send what is pending first. A record alone always fits. */
  isFullFor(record: EncodedRecord): boolean {
    return this.records > 0 && (this.records >= this.maxRecords || this.bytes + record.bytes > MAX_SEND_BYTES);
  }

  add(record: EncodedRecord): void {
    let messages = this.byTopic.get(record.topic);
    if (messages === undefined) {
      messages = [];
      this.byTopic.set(record.topic, messages);
    }
    messages.push(record.message);
    this.records += 1;
    this.bytes += record.bytes;
  }

  /** Everything pending, in kafkajs' `topicMessages` shape; the batch is empty afterwards. */
  take(): { topic: string; messages: Message[] }[] {
    const taken = [...this.byTopic].map(([topic, messages]) => ({ topic, messages }));
    this.byTopic = new Map();
    this.records = 0;
    this.bytes = 0;
    return taken;
  }
}

/** Encodes `records` into `pending`; calls `send` first whenever the next one does not fit (both writers' `write`). */
export async function bufferRecords(
  pending: PendingBatch,
  encoder: RecordEncoder,
  records: readonly LockstepRecord[],
  send: () => Promise<void>,
): Promise<void> {
  for (const record of records) {
    const encoded = encoder.encode(record);
    if (pending.isFullFor(encoded)) await send();
    pending.add(encoded);
  }
}
