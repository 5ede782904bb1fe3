import { ConfigResourceTypes, type Admin, type Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { type LockstepRecord, RecordError } from '../../../core/sdk';
import type { EncodedRecord } from './record-encoding';
import { RECORD_BATCH_OVERHEAD } from './record-size';

/** The most bytes a record batch for a topic may take, and the setting it was read from. */
export interface TopicSizeLimit {
  readonly bytes: number;
  /** `max.message.bytes of topic <name>` or `message.max.bytes of broker <id>`. */
  readonly setting: string;
}

/** What a topic gets whose limit could not be read: nothing is refused before the broker sees it. */
export const UNKNOWN_LIMIT: TopicSizeLimit = { bytes: Number.POSITIVE_INFINITY, setting: 'not known' };

const TOPIC_SETTING = 'max.message.bytes';
const BROKER_SETTING = 'message.max.bytes';

function configValue(result: Awaited<ReturnType<Admin['describeConfigs']>>, name: string): number | undefined {
  const value = result.resources[0]?.configEntries.find((entry) => entry.configName === name)?.configValue;
  const bytes = Number(value);
  return value === undefined || value === null || !Number.isSafeInteger(bytes) || bytes <= 0 ? undefined : bytes;
}

/**
 * The size limit of each topic a writer sends to, read once per topic with DescribeConfigs — at start for the
 * configured topic, when first seen for topics named by `topicField`: the topic's `max.message.bytes`, else (the topic
 * does not exist yet, or may not be described) the broker's `message.max.bytes`, its default for new topics. When
 * neither can be read there is no limit to check against (logged as a warning); the broker's refusal is then the check.
 */
export class TopicSizeLimits {
  private readonly known = new Map<string, TopicSizeLimit>();
  private readonly loading = new Map<string, Promise<TopicSizeLimit>>();
  private admin: Promise<Admin> | undefined;

  constructor(
    private readonly client: Kafka,
    private readonly log: Logger,
  ) {}

  /** The limit of `topic` if it was read already. */
  limitOf(topic: string): TopicSizeLimit | undefined {
    return this.known.get(topic);
  }

  /** Reads the limit of `topic` unless it was read before ({@link UNKNOWN_LIMIT} when it cannot be read). */
  async load(topic: string): Promise<TopicSizeLimit> {
    const known = this.known.get(topic);
    if (known !== undefined) return known;
    let loading = this.loading.get(topic);
    if (loading === undefined) {
      loading = this.read(topic).finally(() => this.loading.delete(topic));
      this.loading.set(topic, loading);
    }
    const limit = await loading;
    this.known.set(topic, limit);
    return limit;
  }

  /**
   * Refuses a record that cannot fit `limit` (its topic's) even alone in a record batch: a bad record, for the error
   * policy, before it reaches (and fails) a transaction.
   * @throws RecordError `LS_KAFKA_RECORD_TOO_LARGE` naming the record, its size and the limit.
   */
  static check(encoded: EncodedRecord, record: LockstepRecord, limit: TopicSizeLimit): void {
    const size = RECORD_BATCH_OVERHEAD + encoded.bytes;
    if (size <= limit.bytes) return;
    const where = record.origin === undefined ? 'the record' : `record ${record.origin}`;
    throw new RecordError(
      `kafka sink cannot write ${where}: it takes ${size} bytes as a record batch, more than the ${limit.bytes} bytes ` +
        `topic ${encoded.topic} accepts (${limit.setting}); it can never be written`,
      record,
      { code: 'LS_KAFKA_RECORD_TOO_LARGE', field: 'value' },
    );
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    if (admin !== undefined) await (await admin.catch(() => undefined))?.disconnect().catch(() => undefined);
  }

  private connected(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.client.admin();
      await admin.connect();
      return admin;
    })();
    this.admin.catch(() => (this.admin = undefined));
    return this.admin;
  }

  private async read(topic: string): Promise<TopicSizeLimit> {
    try {
      const admin = await this.connected();
      try {
        const result = await admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [TOPIC_SETTING] }],
        });
        const bytes = configValue(result, TOPIC_SETTING);
        if (bytes !== undefined) return { bytes, setting: `${TOPIC_SETTING} of topic ${topic}` };
      } catch (error) {
        this.log.debug({ err: error, topic }, `cannot read ${TOPIC_SETTING} of the topic; reading the broker's ${BROKER_SETTING}`);
      }
      const brokerLimit = await this.readBrokerLimit(admin);
      if (brokerLimit !== undefined) return brokerLimit;
      this.log.warn({ topic }, `the broker does not report ${BROKER_SETTING}: records are not checked against a size limit`);
    } catch (error) {
      this.log.warn({ err: error, topic }, `cannot read ${TOPIC_SETTING} of the topic nor the broker's ${BROKER_SETTING}: records are not checked against a size limit`);
    }
    return UNKNOWN_LIMIT;
  }

  private async readBrokerLimit(admin: Admin): Promise<TopicSizeLimit | undefined> {
    const broker = (await admin.describeCluster()).brokers[0];
    if (broker === undefined) return undefined;
    const result = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.BROKER, name: String(broker.nodeId), configNames: [BROKER_SETTING] }],
    });
    const bytes = configValue(result, BROKER_SETTING);
    return bytes === undefined ? undefined : { bytes, setting: `${BROKER_SETTING} of broker ${broker.nodeId}` };
  }
}
