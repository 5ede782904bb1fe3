import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { LockstepRecord, SinkWriter } from '../../../core/sdk';
import type { KafkaCompression } from '../compression';
import { compressionType } from '../internals';
import { classifyKafkaError, messageTooLarge, producerOutOfSequence } from '../kafka-errors';
import { StablePartitioner } from '../stable-partitioner';
import { bufferRecords, describeBatch, PendingBatch, type TakenBatch } from './pending-batch';
import type { RecordEncoder } from './record-encoding';
import { TopicSizeLimits } from './topic-size-limits';

/**
 * `semantic: at-least-once`: an idempotent producer (no duplicates from its own retries), every send acknowledged by
 * all in-sync replicas before the checkpoint completes; records replayed after a failure are written again.
 *
 * One send in flight, the next batch buffered meanwhile. Sends are chained, never concurrent, even when a flush races
 * a write: kafkajs gives a batch its sequence numbers only when it takes the broker's lock, after metadata lookups
 * that may take one send longer than the next, so two concurrent sends for one partition could be written in the
 * wrong order; and a send failing while another waits for the lock rewinds the sequence numbers under it
 * (OUT_OF_ORDER_SEQUENCE_NUMBER, or records taken for duplicates).
 */
export class AtLeastOnceKafkaWriter implements SinkWriter {
  private producer: Producer | undefined;
  private readonly pending: PendingBatch;
  private readonly limits: TopicSizeLimits;
  private sending: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(
    private readonly client: Kafka,
    private readonly encoder: RecordEncoder,
    batchSize: number,
    log: Logger,
    private readonly compression: KafkaCompression = 'none',
  ) {
    this.pending = new PendingBatch(batchSize);
    this.limits = new TopicSizeLimits(client, log);
  }

  async init(): Promise<void> {
    if (this.encoder.topic !== undefined) await this.limits.load(this.encoder.topic);
    this.producer = this.client.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: StablePartitioner });
    await this.producer.connect();
  }

  async write(records: readonly LockstepRecord[]): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    await bufferRecords(this.pending, this.encoder, this.limits, records, () => this.dispatch());
  }

  async flush(): Promise<void> {
    await this.dispatch();
    await this.sending;
    if (this.failure !== undefined) throw this.failure;
  }

  async close(): Promise<void> {
    await this.sending.catch(() => undefined);
    await this.limits.close();
    await this.producer?.disconnect();
    this.producer = undefined;
  }

  /**
   * Chains a send of what is buffered after the previous one — before awaiting anything, so that no two dispatches
   * can start sends side by side — and waits for the previous one. Nothing is sent after a failure.
   */
  private async dispatch(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending.take();
    const previous = this.sending;
    this.sending = previous.then(() => (this.failure === undefined ? this.send(batch) : undefined));
    await previous;
    if (this.failure !== undefined) throw this.failure;
  }

  private async send(batch: TakenBatch): Promise<void> {
    const producer = this.producer as Producer;
    try {
      await producer.sendBatch({ acks: -1, topicMessages: batch.topicMessages, compression: compressionType(this.compression) });
    } catch (error) {
      const kind = classifyKafkaError(error);
      if (kind === 'too-large') this.failure ??= messageTooLarge(error, describeBatch(batch, this.limits));
      if (kind === 'sequence') this.failure ??= producerOutOfSequence(error, describeBatch(batch, this.limits));
      this.failure ??= error instanceof Error ? error : new Error(String(error));
    }
  }
}
