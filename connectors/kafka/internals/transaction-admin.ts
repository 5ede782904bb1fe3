/**
 * Transaction calls by transactional id and handle, to a transaction coordinator: `EndTxn` and `InitProducerId` of
 * kafkajs' internal Broker, and `DescribeTransactions` / `ListTransactions` (transaction-codec.ts) sent through the
 * Broker's private `sendRequest`. Transient coordinator errors are retried (core/sdk retry, a new coordinator lookup
 * on every try). docs/kafkajs-internals.md lists what breaks if kafkajs changes.
 */
import { LockstepError, retry } from '../../../core/sdk';
import { isTransientCoordinatorError, KAFKA_ERROR } from '../kafka-errors';
import { COORDINATOR_TYPE, type KafkaBroker, type KafkaCluster, sendRaw } from './cluster';
import {
  describeTransactionsRequest,
  listTransactionsRequest,
  type ListedTransaction,
  type TransactionDescription,
} from './transaction-codec';
import type { TransactionHandle } from './transactions';

/* eslint-disable-next-line @typescript-eslint/no-require-imports */
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode(code: number): Error };

/** Coordinator retries: 50 ms doubling to 1 s, no jitter, until the deadline. */
const COORDINATOR_BACKOFF = { initialDelayMs: 50, maxDelayMs: 1_000, jitter: 0 } as const;

/**
 * Retries `operation` while the coordinator answers with a transient error, for up to `timeoutMs`; a new coordinator
 * is looked up on every try, so a moved coordinator is followed.
 */
async function withCoordinatorRetries<T>(operation: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  return retry(operation, { ...COORDINATOR_BACKOFF, deadlineMs: timeoutMs, retryIf: isTransientCoordinatorError });
}

async function transactionCoordinator(cluster: KafkaCluster, transactionalId: string): Promise<KafkaBroker> {
  return cluster.findGroupCoordinator({ groupId: transactionalId, coordinatorType: COORDINATOR_TYPE.TRANSACTION });
}

/** `EndTxn` for a transaction known only by its handle: commits (`commit`) or aborts it. */
export async function endTransaction(cluster: KafkaCluster, handle: TransactionHandle, commit: boolean): Promise<void> {
  await withCoordinatorRetries(async () => {
    const broker = await transactionCoordinator(cluster, handle.transactionalId);
    await broker.endTxn({
      transactionalId: handle.transactionalId,
      producerId: handle.producerId as unknown as number,
      producerEpoch: handle.producerEpoch,
      transactionResult: commit,
    });
  });
}

/**
 * `InitProducerId` for `transactionalId`: aborts (and fences) anything open under that id and returns the new epoch —
 * 0 only when the id was never used before.
 */
export async function initTransactionalId(cluster: KafkaCluster, transactionalId: string, transactionTimeoutMs: number): Promise<TransactionHandle> {
  return withCoordinatorRetries(async () => {
    const broker = await transactionCoordinator(cluster, transactionalId);
    const result = await broker.initProducerId({ transactionalId, transactionTimeout: transactionTimeoutMs });
    return { transactionalId, producerId: String(result.producerId), producerEpoch: result.producerEpoch };
  }, 120_000);
}

/** Describes a transaction by id (`DescribeTransactions` v0 to its coordinator); `undefined` for an unknown id. */
export async function describeTransaction(cluster: KafkaCluster, transactionalId: string): Promise<TransactionDescription | undefined> {
  return withCoordinatorRetries(async () => {
    const broker = await transactionCoordinator(cluster, transactionalId);
    const entry = (await sendRaw(broker, describeTransactionsRequest([transactionalId])))[0];
    if (entry === undefined) throw new LockstepError(`DescribeTransactions returned nothing for ${transactionalId}`, { code: 'LS_KAFKA_PROTOCOL' });
    if (entry.errorCode === KAFKA_ERROR.TRANSACTIONAL_ID_NOT_FOUND) return undefined;
    if (entry.errorCode !== 0) throw createErrorFromCode(entry.errorCode);
    const { errorCode: _, ...description } = entry;
    return description;
  });
}

/**
 * Every transaction the cluster's coordinators know (`ListTransactions` v0 to each broker), optionally by state.
 * Refreshes the metadata first: a freshly connected cluster knows no broker yet, and asking none would answer "no
 * transactions" for a cluster full of them.
 */
export async function listTransactions(cluster: KafkaCluster, states: readonly string[] = []): Promise<ListedTransaction[]> {
  await cluster.refreshMetadata();
  const nodeIds = cluster.getNodeIds();
  if (nodeIds.length === 0) throw new LockstepError('ListTransactions: the cluster metadata lists no broker', { code: 'LS_KAFKA_CONNECTION' });
  const all: ListedTransaction[] = [];
  for (const nodeId of nodeIds) {
    const broker = await cluster.findBroker({ nodeId });
    const result = await sendRaw(broker, listTransactionsRequest(states));
    if (result.errorCode !== 0) throw createErrorFromCode(result.errorCode);
    all.push(...result.transactions);
  }
  return all;
}
