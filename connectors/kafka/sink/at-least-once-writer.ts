import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { LockstepRecord, SinkWriter } from '../../../core/sdk';
import type { KafkaCompression } from '../compression';
import { compressionType } from '../internals';
import { classifyKafkaError, messageTooLarge } from '../kafka-errors';
import { bufferRecords, describeBatch, PendingBatch } from './pending-batch';
import type { RecordEncoder } from './record-encoding';
import { TopicSizeLimits } from './topic-size-limits';

/**
 * `semantic: at-least-once`: an idempotent producer (no duplicates from its own retries), every send acknowledged by
 * all in-sync replicas before the checkpoint completes; records replayed after a failure are written again.
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
    this.producer = this.client.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
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

  private async dispatch(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending.take();
    await this.sending;
    const producer = this.producer as Producer;
    this.sending = producer.sendBatch({ acks: -1, topicMessages: batch.topicMessages, compression: compressionType(this.compression) }).then(
      () => undefined,
      (error: unknown) => {
        if (classifyKafkaError(error) === 'too-large') this.failure ??= messageTooLarge(error, describeBatch(batch, this.limits));
        this.failure ??= error instanceof Error ? error : new Error(String(error));
      },
    );
  }
}
