import type { Message } from 'kafkajs';
import type { LockstepRecord } from '../../../core/sdk';
import type { EncodedRecord, RecordEncoder } from './record-encoding';
import { DELTA_SLACK, RECORD_BATCH_OVERHEAD } from './record-size';
import { type TopicSizeLimit, TopicSizeLimits } from './topic-size-limits';

/**
 * Bytes one produce call may carry. kafkajs puts a call's records for one partition into one record batch, and the
 * broker refuses a batch over the topic's `max.message.bytes` (1 MiB + 12 bytes by default) with "message too
 * large" — a failure no retry mends. Besides each topic's own limit (when it could be read), keeping the whole call
 * under 768 KiB keeps every batch in it under the default limit.
 */
export const MAX_SEND_BYTES = 768 * 1024;

/** What one produce call sends, in kafkajs' `topicMessages` shape, and which records it holds (for errors). */
export interface TakenBatch {
  readonly topicMessages: { topic: string; messages: Message[] }[];
  readonly records: number;
  /** Origins of the first and last record, when they have one. */
  readonly firstOrigin: string | undefined;
  readonly lastOrigin: string | undefined;
}

interface TopicPart {
  readonly messages: Message[];
  bytes: number;
}

/** Records waiting for the next produce call, by topic, bounded by a record count, {@link MAX_SEND_BYTES} and each topic's limit. */
export class PendingBatch {
  private byTopic = new Map<string, TopicPart>();
  private records = 0;
  private bytes = 0;
  private firstOrigin: string | undefined;
  private lastOrigin: string | undefined;

  constructor(private readonly maxRecords: number) {}

  get size(): number {
    return this.records;
  }

  /**
   * True when `record` does not fit any more: send what is pending first. A record alone always fits (one that cannot
   * fit its topic's limit even alone was refused before, by {@link TopicSizeLimits.check}).
   */
  isFullFor(record: EncodedRecord, limit: TopicSizeLimit): boolean {
    if (this.records === 0) return false;
    if (this.records >= this.maxRecords || this.bytes + record.bytes > MAX_SEND_BYTES) return true;
    const topicBytes = this.byTopic.get(record.topic)?.bytes ?? 0;
    return RECORD_BATCH_OVERHEAD + topicBytes + record.bytes + DELTA_SLACK > limit.bytes;
  }

  add(record: EncodedRecord): void {
    let part = this.byTopic.get(record.topic);
    if (part === undefined) {
      part = { messages: [], bytes: 0 };
      this.byTopic.set(record.topic, part);
    }
    part.messages.push(record.message);
    part.bytes += record.bytes + DELTA_SLACK;
    if (this.records === 0) this.firstOrigin = record.origin;
    this.lastOrigin = record.origin;
    this.records += 1;
    this.bytes += record.bytes;
  }

  /** Everything pending; the batch is empty afterwards. */
  take(): TakenBatch {
    const taken: TakenBatch = {
      topicMessages: [...this.byTopic].map(([topic, part]) => ({ topic, messages: part.messages })),
      records: this.records,
      firstOrigin: this.firstOrigin,
      lastOrigin: this.lastOrigin,
    };
    this.byTopic = new Map();
    this.records = 0;
    this.bytes = 0;
    this.firstOrigin = undefined;
    this.lastOrigin = undefined;
    return taken;
  }
}

/** Says what a produce call sent, for an error about it: records, their origins, topics and their limits. */
export function describeBatch(batch: TakenBatch, limits: TopicSizeLimits): string {
  const origins = batch.firstOrigin === undefined ? '' : batch.records === 1 ? ` (record ${batch.firstOrigin})` : ` (records ${batch.firstOrigin} … ${batch.lastOrigin ?? '?'})`;
  const topics = batch.topicMessages.map(({ topic }) => {
    const limit = limits.limitOf(topic);
    return limit === undefined || limit.bytes === Number.POSITIVE_INFINITY ? topic : `${topic} (limit ${limit.bytes} bytes, ${limit.setting})`;
  });
  return `a produce request of ${batch.records} record${batch.records === 1 ? '' : 's'}${origins} to ${topics.join(', ')}`;
}

/**
 * Encodes `records` into `pending`, refusing those that can never fit their topic (a `RecordError`, after the records
 * before it were buffered); calls `send` first whenever the next one does not fit (both writers' `write`).
 */
export async function bufferRecords(
  pending: PendingBatch,
  encoder: RecordEncoder,
  limits: TopicSizeLimits,
  records: readonly LockstepRecord[],
  send: () => Promise<void>,
): Promise<void> {
  for (const record of records) {
    const encoded = encoder.encode(record);
    const limit = limits.limitOf(encoded.topic) ?? (await limits.load(encoded.topic));
    TopicSizeLimits.check(encoded, record, limit);
    if (pending.isFullFor(encoded, limit)) await send();
    pending.add(encoded);
  }
}
