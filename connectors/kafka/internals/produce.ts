/**
 * lockstep's send path for a transactional (or idempotent) producer, in place of kafkajs' `messageProducer.sendBatch`
 * (`src/producer/sendMessages.js`), whose record batch encoder, CRC32C and per-partition grouping were most of the
 * saturated sink's CPU (docs/benchmarks.md, "Where the time goes"). It does what kafkajs' path does, in the same
 * order, with kafkajs' per-transactional-id state (the eosManager) and its retrier:
 *
 * 1. partition every message once (the sink's partitioner: the same partition for the same key as kafkajs' default
 *    partitioner) and group them per topic-partition in one pass;
 * 2. encode each partition's records as one RecordBatch v2 (record-batch.ts), once: a retry resends the same bytes;
 * 3. per partition leader, under the eosManager's lock for that broker: `AddPartitionsToTxn` for partitions new to the
 *    transaction, the partitions' next sequence numbers written into the batches (the same number again after a
 *    failed request, which rewinds them — so a retry carries the same base sequence and the broker drops a duplicate),
 *    and one `Produce` request (produce-request.ts) with acks=-1;
 * 4. retries as kafkajs does: metadata refreshed after a stale-metadata, connection or retriable protocol error, the
 *    cluster reconnected when it lost every broker; a non-retriable error (fenced, out of order, too large) ends the
 *    send at once with kafkajs' own error object, which connectors/kafka/kafka-errors.ts classifies.
 *
 * Partitions already acknowledged are not resent on a retry (kafkajs skips brokers that answered, likewise).
 */
import { type Kafka, KafkaJSMetadataNotLoaded, KafkaJSNonRetriableError, type Message, type PartitionerArgs } from 'kafkajs';
import { type KafkaBroker, type KafkaCluster, sendRaw } from './cluster';
import { produceRequest, produceVersion, type PartitionBatch } from './produce-request';
import { encodeRecordBatch, setBaseSequence } from './record-batch';

/* eslint-disable-next-line @typescript-eslint/no-require-imports */
const { staleMetadata } = require('kafkajs/src/protocol/error') as { staleMetadata(error: unknown): boolean };

/** The parts of kafkajs' eosManager (`src/producer/eosManager`) the send path uses. */
export interface ProducerState {
  getTransactionalId(): string;
  getProducerId(): string | number;
  getProducerEpoch(): number;
  isTransactional(): boolean;
  acquireBrokerLock(broker: KafkaBroker): Promise<void>;
  releaseBrokerLock(broker: KafkaBroker): void;
  addPartitionsToTransaction(topicData: { topic: string; partitions: { partition: number }[] }[]): Promise<void>;
  getSequence(topic: string, partition: number): number;
  updateSequence(topic: string, partition: number, increment: number): void;
}

/** kafkajs' retrier (`src/retry`): runs `attempt` until it resolves, `bail`s, or the retries are used up. */
export type Retrier = <T>(attempt: (bail: (error: Error) => void, retryCount: number, retryTime: number) => Promise<T>) => Promise<T>;

export interface ProducePathOptions {
  readonly logger: ReturnType<Kafka['logger']>;
  readonly cluster: KafkaCluster;
  readonly producer: ProducerState;
  readonly retrier: Retrier;
  readonly partitioner: (args: PartitionerArgs) => number;
  /** A codec id (kafkajs `CompressionTypes`); none by default. */
  readonly compression?: number;
  /** How long the broker may wait for the in-sync replicas (the request's `timeout`); kafkajs' default 30 s. */
  readonly timeoutMs?: number;
}

export type TopicMessages = readonly { readonly topic: string; readonly messages: readonly Message[] }[];

/** kafkajs' error for missing metadata (its typings omit the constructor's message); retried after a refresh. */
function metadataNotLoaded(message: string): Error {
  return new (KafkaJSMetadataNotLoaded as unknown as new (message: string) => Error)(message);
}

interface SendingBatch extends PartitionBatch {
  acknowledged: boolean;
}

/** The messages of a send per topic and partition, in one pass; a topic named twice is one topic (kafkajs merges them). */
export function groupPerPartition(
  topicMessages: TopicMessages,
  cluster: KafkaCluster,
  partitioner: (args: PartitionerArgs) => number,
): Map<string, Map<number, Message[]>> {
  const grouped = new Map<string, Map<number, Message[]>>();
  for (const { topic, messages } of topicMessages) {
    const partitionMetadata = cluster.findTopicPartitionMetadata(topic);
    if (partitionMetadata.length === 0) throw metadataNotLoaded('Producing to topic without metadata');
    let partitions = grouped.get(topic);
    if (partitions === undefined) grouped.set(topic, (partitions = new Map()));
    for (const message of messages) {
      const partition = partitioner({ topic, partitionMetadata: partitionMetadata as PartitionerArgs['partitionMetadata'], message });
      const list = partitions.get(partition);
      if (list === undefined) partitions.set(partition, [message]);
      else list.push(message);
    }
  }
  return grouped;
}

/** Every partition's batch of a send, encoded once. */
async function encodeBatches(options: ProducePathOptions, topicMessages: TopicMessages): Promise<SendingBatch[]> {
  const { producer } = options;
  const batchProducer = {
    producerId: String(producer.getProducerId()),
    producerEpoch: producer.getProducerEpoch(),
    transactional: producer.isTransactional(),
    compression: (options.compression ?? 0) & 0x07,
  };
  const now = Date.now();
  const batches: SendingBatch[] = [];
  for (const [topic, partitions] of groupPerPartition(topicMessages, options.cluster, options.partitioner)) {
    for (const [partition, messages] of partitions) {
      batches.push({ topic, partition, batch: await encodeRecordBatch(messages, batchProducer, now), acknowledged: false });
    }
  }
  return batches;
}

/** The batches not yet acknowledged, per leader's node id; a partition without a known leader refreshes metadata. */
function perLeader(cluster: KafkaCluster, batches: readonly SendingBatch[]): Map<number, SendingBatch[]> {
  const leaders = new Map<string, Map<number, number>>();
  const grouped = new Map<number, SendingBatch[]>();
  for (const entry of batches) {
    if (entry.acknowledged) continue;
    let topicLeaders = leaders.get(entry.topic);
    if (topicLeaders === undefined) {
      topicLeaders = new Map(cluster.findTopicPartitionMetadata(entry.topic).map((metadata) => [metadata.partitionId, metadata.leader]));
      leaders.set(entry.topic, topicLeaders);
    }
    const leader = topicLeaders.get(entry.partition);
    if (leader === undefined || leader === null || leader < 0) {
      throw metadataNotLoaded(`no leader known for ${entry.topic}/${entry.partition}`);
    }
    const list = grouped.get(leader);
    if (list === undefined) grouped.set(leader, [entry]);
    else list.push(entry);
  }
  return grouped;
}

/** One Produce request to a leader, under the eosManager's lock for it (sequence numbers are per partition, in order). */
async function sendToLeader(options: ProducePathOptions, nodeId: number, leaderBatches: readonly SendingBatch[]): Promise<void> {
  const { cluster, producer } = options;
  const broker = await cluster.findBroker({ nodeId });
  await producer.acquireBrokerLock(broker);
  try {
    // a request of the failed attempt may have been acknowledged while this retry waited for the lock
    const batches = leaderBatches.filter((entry) => !entry.acknowledged);
    if (batches.length === 0) return;
    if (producer.isTransactional()) {
      await producer.addPartitionsToTransaction(topicPartitions(batches));
    }
    for (const entry of batches) {
      setBaseSequence(entry.batch, producer.getSequence(entry.topic, entry.partition));
      producer.updateSequence(entry.topic, entry.partition, entry.batch.count);
    }
    const request = produceRequest(produceVersion(broker.versions), {
      transactionalId: producer.isTransactional() ? producer.getTransactionalId() : null,
      acks: -1,
      timeoutMs: options.timeoutMs ?? 30_000,
      batches,
    });
    try {
      await sendRaw(broker, request);
    } catch (error) {
      for (const entry of batches) producer.updateSequence(entry.topic, entry.partition, -entry.batch.count);
      throw error;
    }
    for (const entry of batches) entry.acknowledged = true;
  } finally {
    producer.releaseBrokerLock(broker);
  }
}

function topicPartitions(batches: readonly SendingBatch[]): { topic: string; partitions: { partition: number }[] }[] {
  const topics = new Map<string, { partition: number }[]>();
  for (const { topic, partition } of batches) {
    const list = topics.get(topic);
    if (list === undefined) topics.set(topic, [{ partition }]);
    else list.push({ partition });
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}

interface ErrorLike {
  readonly name?: string;
  readonly message?: string;
  readonly retriable?: boolean;
  readonly host?: string;
  readonly port?: number;
}

/** After a failed attempt: what kafkajs' sendMessages does (reconnect, refresh metadata, retry or bail). */
async function afterFailure(options: ProducePathOptions, error: unknown, bail: (error: Error) => void, retryCount: number, retryTime: number): Promise<void> {
  const { cluster, logger } = options;
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  if (e.name === 'KafkaJSConnectionClosedError' && e.host !== undefined && e.port !== undefined) cluster.removeBroker({ host: e.host, port: e.port });
  if (!cluster.isConnected()) {
    logger.debug(`Cluster has disconnected, reconnecting: ${e.message}`, { retryCount, retryTime });
    await cluster.connect();
    await cluster.refreshMetadata();
    throw error;
  }
  const refresh =
    staleMetadata(error) ||
    e.name === 'KafkaJSMetadataNotLoaded' ||
    e.name === 'KafkaJSConnectionError' ||
    e.name === 'KafkaJSConnectionClosedError' ||
    (e.name === 'KafkaJSProtocolError' && e.retriable === true);
  if (refresh) {
    logger.error(`Failed to send messages: ${e.message}`, { retryCount, retryTime });
    await cluster.refreshMetadata();
    throw error;
  }
  logger.error(`${e.message}`, { retryCount, retryTime });
  if (e.retriable === true) throw error;
  bail(error instanceof Error ? error : new Error(String(error)));
}

/** A send function: resolves once every partition's batch is acknowledged by all in-sync replicas. */
export function createProducePath(options: ProducePathOptions): (topicMessages: TopicMessages) => Promise<void> {
  return async (topicMessages) => {
    if (topicMessages.some(({ topic }) => !topic)) throw new KafkaJSNonRetriableError('Invalid topic');
    const topics = [...new Set(topicMessages.map(({ topic }) => topic))];
    let batches: SendingBatch[] | undefined;
    await options.retrier(async (bail, retryCount, retryTime) => {
      await options.cluster.addMultipleTargetTopics(topics);
      try {
        await options.cluster.refreshMetadataIfNecessary();
        batches ??= await encodeBatches(options, topicMessages);
        const leaders = perLeader(options.cluster, batches);
        await Promise.all([...leaders].map(([nodeId, entries]) => sendToLeader(options, nodeId, entries)));
      } catch (error) {
        await afterFailure(options, error, bail, retryCount, retryTime);
      }
    });
  };
}
