import { randomUUID } from 'node:crypto';
import { type Kafka, Partitioners, type Admin, type Message, type Producer } from 'kafkajs';
import { createTestTopics, testKafka } from '../support/test-kafka';
import type { LockstepRecord } from '../../core/api/record';
import { SeededRandom, SourceRun, validatedConfig } from '../../core/testing';
import { KafkaSource, kafkaSourcePlugin, type KafkaSourceConfig, type KafkaSourceOptions } from '../../connectors/kafka/source';

/** Helpers of the Kafka source integration tests: topics with a random suffix, producing, reading through the API. */
export class KafkaSourceTestBed {
  readonly kafka: Kafka;
  readonly admin: Admin;
  private readonly topics: string[] = [];
  private readonly producers: Producer[] = [];
  private readonly runs: SourceRun[] = [];

  constructor(readonly brokers: readonly string[]) {
    this.kafka = testKafka(brokers, 'kafka-source-test');
    this.admin = this.kafka.admin();
  }

  async connect(): Promise<void> {
    await this.admin.connect();
  }

  /** Creates `<prefix>-<random>` with `partitions` partitions; deleted by `close`. */
  async createTopic(prefix: string, partitions = 3): Promise<string> {
    const topic = `${prefix}-${randomUUID().slice(0, 8)}`;
    this.topics.push(topic);
    await createTestTopics(this.admin, [{ topic, numPartitions: partitions }]);
    return topic;
  }

  async producer(transactionalId?: string): Promise<Producer> {
    const producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      ...(transactionalId === undefined ? {} : { transactionalId, idempotent: true, maxInFlightRequests: 1 }),
    });
    this.producers.push(producer);
    await producer.connect();
    return producer;
  }

  /** Writes `messages` to `partition` of `topic` (non-transactional). */
  async produce(topic: string, partition: number, messages: readonly Message[]): Promise<void> {
    const producer = await this.producer();
    await producer.send({ topic, messages: messages.map((message) => ({ ...message, partition })) });
  }

  /**
   * A source of `config` (as a pipeline gives it: validated, schema defaults applied; discovery off unless set). Keys and
   * values are read as text unless the config says otherwise (the default is bytes), so tests compare them as strings.
   */
  source(config: Partial<Omit<KafkaSourceConfig, 'brokers'>>, options: KafkaSourceOptions = {}): KafkaSource {
    return new KafkaSource(
      validatedConfig(kafkaSourcePlugin, { brokers: this.brokers, partitionDiscoveryInterval: 0, keyFormat: 'string', valueFormat: 'string', ...config }),
      { pipeline: 'source-test', componentId: 'in' },
      { tuning: { fetchMaxWaitMs: 100, ...options.tuning } },
    );
  }

  /** Starts (or restores) a run of `source`; closed by `close`. */
  async run(source: KafkaSource, parallelism: number, checkpoint?: Parameters<typeof SourceRun.start>[2]): Promise<SourceRun> {
    const run = await SourceRun.start(source, parallelism, checkpoint);
    this.runs.push(run);
    return run;
  }

  async close(): Promise<void> {
    for (const run of this.runs.splice(0)) await run.close().catch(() => undefined);
    await Promise.allSettled(this.producers.splice(0).map((producer) => producer.disconnect()));
    if (this.topics.length > 0) await this.admin.deleteTopics({ topics: this.topics.splice(0) }).catch(() => undefined);
    await this.admin.disconnect();
  }
}

/** Polls `run` until every reader ended (bounded) — or until `done` says so — failing after `timeoutMs`. */
export async function readUntil(run: SourceRun, done: (delivered: readonly LockstepRecord[]) => boolean = () => false, timeoutMs = 20_000): Promise<LockstepRecord[]> {
  const random = new SeededRandom(7);
  const deadline = Date.now() + timeoutMs;
  while (!run.finished && !done(run.delivered)) {
    if (Date.now() > deadline) throw new Error(`reading did not finish in ${timeoutMs} ms (${run.delivered.length} records so far)`);
    await run.poll(random);
  }
  return run.delivered;
}

/** `<partition>:<value>` of each record, grouped per partition in the order read. */
export function byPartition(records: readonly LockstepRecord[]): Record<string, unknown[]> {
  const result: Record<string, unknown[]> = {};
  for (const record of records) {
    const match = /\/(\d+)@(\d+)$/.exec(record.origin ?? '');
    const partition = match?.[1] ?? '?';
    (result[partition] ??= []).push(record.value);
  }
  return result;
}

export { eventually } from '../support/eventually';
