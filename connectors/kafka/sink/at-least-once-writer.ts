import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import type { LockstepRecord } from '../../../core/api/record';
import type { SinkWriter } from '../../../core/api/sink-writer';
import type { RecordEncoder } from './record-encoding';

/**
 * `semantic: at-least-once`: an idempotent producer (no duplicates from its own retries), every send acknowledged by
 * all in-sync replicas before the checkpoint completes; records replayed after a failure are written again.
 */
export class AtLeastOnceKafkaWriter implements SinkWriter {
  private producer: Producer | undefined;
  private buffer = new Map<string, Message[]>();
  private buffered = 0;
  private sending: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(
    private readonly client: Kafka,
    private readonly encoder: RecordEncoder,
    private readonly batchSize: number,
  ) {}

  async init(): Promise<void> {
    this.producer = this.client.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await this.producer.connect();
  }

  async write(records: readonly LockstepRecord[]): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    for (const record of records) {
      const { topic, message } = this.encoder.encode(record);
      const messages = this.buffer.get(topic) ?? [];
      messages.push(message);
      this.buffer.set(topic, messages);
      this.buffered += 1;
      if (this.buffered >= this.batchSize) await this.dispatch();
    }
  }

  async flush(): Promise<void> {
    await this.dispatch();
    await this.sending;
    if (this.failure !== undefined) throw this.failure;
  }

  async close(): Promise<void> {
    await this.sending.catch(() => undefined);
    await this.producer?.disconnect();
    this.producer = undefined;
  }

  private async dispatch(): Promise<void> {
    if (this.buffered === 0) return;
    const topicMessages = [...this.buffer].map(([topic, messages]) => ({ topic, messages }));
    this.buffer = new Map();
    this.buffered = 0;
    await this.sending;
    const producer = this.producer as Producer;
    this.sending = producer.sendBatch({ acks: -1, topicMessages }).then(
      () => undefined,
      (error: unknown) => {
        this.failure ??= error instanceof Error ? error : new Error(String(error));
      },
    );
  }
}
