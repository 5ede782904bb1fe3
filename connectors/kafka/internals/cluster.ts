/**
 * The one door to kafkajs internals for the cluster object. kafkajs builds a `Cluster` (connection pool, metadata,
 * coordinator lookup) for every producer, consumer and admin, but does not export a way to get one: lockstep needs it
 * to talk to brokers directly (transactions by producer id and epoch, fetches of assigned partitions). Everything
 * here is checked by the Kafka integration tests; see docs/kafkajs-internals.md for what breaks if kafkajs changes.
 */
import type { Kafka } from 'kafkajs';
import { LockstepError } from '../../../core/sdk';
import type { ProtocolRequest } from './transaction-codec';

/** The parts of kafkajs' internal `Broker` (src/broker/index.js) lockstep calls. */
export interface KafkaBroker {
  readonly nodeId: number;
  /** The broker's ApiVersions answer (set once connected): api key → supported versions. */
  readonly versions?: Record<number, { minVersion: number; maxVersion: number }>;
  initProducerId(request: { transactionalId?: string; transactionTimeout: number }): Promise<{ producerId: number; producerEpoch: number }>;
  endTxn(request: { transactionalId: string; producerId: number; producerEpoch: number; transactionResult: boolean }): Promise<unknown>;
  fetch(request: {
    replicaId?: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<KafkaFetchResponse>;
}

export interface KafkaFetchResponse {
  readonly responses: readonly {
    readonly topicName: string;
    readonly partitions: readonly KafkaFetchPartition[];
  }[];
}

export interface KafkaFetchPartition {
  readonly partition: number;
  readonly errorCode: number;
  readonly highWatermark: string;
  readonly lastStableOffset: string;
  readonly abortedTransactions: readonly unknown[];
  readonly messages: readonly unknown[];
}

/** The parts of kafkajs' internal `Cluster` (src/cluster/index.js) lockstep calls. */
export interface KafkaCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  /** Refreshes metadata when it is older than `metadataMaxAge` or misses a target topic. */
  refreshMetadataIfNecessary(): Promise<void>;
  isConnected(): boolean;
  removeBroker(address: { host: string; port: number }): void;
  /** Node ids of the brokers in the last metadata. */
  getNodeIds(): number[];
  addMultipleTargetTopics(topics: readonly string[]): Promise<void>;
  findBroker(request: { nodeId: string | number }): Promise<KafkaBroker>;
  findGroupCoordinator(request: { groupId: string; coordinatorType: number }): Promise<KafkaBroker>;
  findLeaderForPartitions(topic: string, partitions: readonly number[]): Record<string, number[]>;
  findTopicPartitionMetadata(topic: string): { partitionId: number; leader: number }[];
  fetchTopicsOffset(
    topics: { topic: string; partitions: { partition: number }[]; fromBeginning?: boolean; fromTimestamp?: number }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

/** FindCoordinator key types (kafkajs src/protocol/coordinatorTypes.js). */
export const COORDINATOR_TYPE = { GROUP: 0, TRANSACTION: 1 } as const;
/** Fetch / ListOffsets isolation levels (kafkajs src/protocol/isolationLevel.js). */
export const ISOLATION_LEVEL = { READ_UNCOMMITTED: 0, READ_COMMITTED: 1 } as const;

export interface ClusterOptions {
  readonly isolationLevel?: number;
  readonly allowAutoTopicCreation?: boolean;
  readonly metadataMaxAge?: number;
}

type CreateCluster = (options: {
  metadataMaxAge?: number;
  allowAutoTopicCreation?: boolean;
  maxInFlightRequests?: number | null;
  isolationLevel?: number;
}) => KafkaCluster;

/**
 * A new kafkajs `Cluster` built by the client's private factory (the `Symbol('private:Kafka:createCluster')`
 * property set in kafkajs src/index.js), so it gets the client's brokers, SSL, SASL, retry and logger settings.
 */
export function createCluster(client: Kafka, options: ClusterOptions = {}): KafkaCluster {
  const holder = client as unknown as Record<symbol, unknown>;
  const symbol = Object.getOwnPropertySymbols(client).find((candidate) => candidate.description === 'private:Kafka:createCluster');
  const factory = symbol === undefined ? undefined : holder[symbol];
  if (typeof factory !== 'function') {
    throw new LockstepError('kafkajs internals changed: the client has no private createCluster factory (lockstep needs kafkajs 2.2.x)', { code: 'LS_KAFKA_INTERNALS' });
  }
  return (factory as CreateCluster)({
    metadataMaxAge: options.metadataMaxAge ?? 300_000,
    allowAutoTopicCreation: options.allowAutoTopicCreation ?? false,
    maxInFlightRequests: null,
    isolationLevel: options.isolationLevel ?? ISOLATION_LEVEL.READ_COMMITTED,
  });
}

/** Sends a request kafkajs has no encoder for (or lockstep encodes itself) through the broker's private `sendRequest`. */
export async function sendRaw<T>(broker: KafkaBroker, request: ProtocolRequest<T>): Promise<T> {
  const symbol = Object.getOwnPropertySymbols(Object.getPrototypeOf(broker)).find(
    (candidate) => candidate.description === 'private:Broker:sendRequest',
  );
  const send = symbol === undefined ? undefined : (broker as unknown as Record<symbol, unknown>)[symbol];
  if (typeof send !== 'function') throw new LockstepError('kafkajs internals changed: Broker has no private sendRequest (lockstep needs kafkajs 2.2.x)', { code: 'LS_KAFKA_INTERNALS' });
  return (send as (request: ProtocolRequest<T>) => Promise<T>).call(broker, request);
}
