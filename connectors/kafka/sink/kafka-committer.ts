import type { Kafka } from 'kafkajs';
import {
  type CommitOutcome,
  type CommitRequest,
  type Committer,
  delayOrUntil,
  type InitContext,
} from '../../../core/sdk';
import { createCluster, type KafkaCluster } from '../internals/cluster';
import {
  describeTransaction,
  endTransaction,
  isTransientCoordinatorError,
  KAFKA_ERROR,
  kafkaErrorCode,
  type TransactionHandle,
} from '../internals/transactions';

const FENCED_CODES: ReadonlySet<number> = new Set([
  KAFKA_ERROR.INVALID_PRODUCER_EPOCH,
  KAFKA_ERROR.PRODUCER_FENCED,
  KAFKA_ERROR.INVALID_TXN_STATE,
  KAFKA_ERROR.INVALID_PRODUCER_ID_MAPPING,
  KAFKA_ERROR.TRANSACTIONAL_ID_NOT_FOUND,
]);

/** How long a commit waits for its markers (records visible to read_committed consumers). */
const MARKER_WAIT_MS = 10_000;

/**
 * Commits pre-committed Kafka transactions by transactional id, producer id and epoch with `EndTxn(commit)` — never
 * `InitProducerId`, which would abort them — so a transaction opened by a process that died is committed by the next
 * one. Before committing it asks the coordinator (`DescribeTransactions`) what became of the transaction:
 * `CompleteCommit` with the same producer and epoch is a replayed commit (`already-committed`); an aborted or fenced
 * one (timed out, or a newer producer took the id) is reported as possible data loss, never as done.
 */
export class KafkaCommitter implements Committer<TransactionHandle> {
  private cluster: KafkaCluster | undefined;

  constructor(
    private readonly client: Kafka,
    private readonly init: InitContext,
  ) {}

  async commit(requests: readonly CommitRequest<TransactionHandle>[]): Promise<CommitOutcome[]> {
    // Independent transactions (one per writer subtask), each with its own coordinator round trips: commit them
    // side by side, so a checkpoint's records become visible after one commit's latency, not the sum of them.
    await this.connected();
    return Promise.all(requests.map((request) => this.commitOne(request.committable)));
  }

  private async connected(): Promise<KafkaCluster> {
    if (this.cluster === undefined) {
      const cluster = createCluster(this.client);
      await cluster.connect();
      this.cluster = cluster;
    }
    return this.cluster;
  }

  private async commitOne(handle: TransactionHandle): Promise<CommitOutcome> {
    const id = `transaction ${handle.transactionalId} (producer ${handle.producerId}, epoch ${handle.producerEpoch})`;
    try {
      const cluster = await this.connected();
      const description = await describeTransaction(cluster, handle.transactionalId);
      if (description === undefined) {
        return { kind: 'failed-known', reason: `${id} is unknown to the broker: its transactional id expired (transactional.id.expiration.ms)` };
      }
      if (description.producerId !== handle.producerId || description.producerEpoch !== handle.producerEpoch) {
        return {
          kind: 'failed-known',
          reason:
            `${id} was fenced: the broker now has producer ${description.producerId}, epoch ${description.producerEpoch} ` +
            `(${description.state}) — it was aborted because it outlived its transaction timeout or a newer producer took its id`,
        };
      }
      switch (description.state) {
        case 'CompleteCommit':
          return { kind: 'already-committed' };
        case 'Ongoing':
        case 'PrepareCommit':
          await endTransaction(cluster, handle, true);
          await this.awaitMarkers(cluster, handle);
          this.init.log.debug({ transactionalId: handle.transactionalId }, 'kafka transaction committed');
          return { kind: 'committed' };
        case 'PrepareAbort':
        case 'CompleteAbort':
          return { kind: 'failed-known', reason: `${id} was aborted (${description.state}) before it could be committed` };
        default:
          return { kind: 'failed-known', reason: `${id} is in state ${description.state}, which holds nothing to commit` };
      }
    } catch (error) {
      const code = kafkaErrorCode(error);
      if (code !== undefined && FENCED_CODES.has(code)) {
        return { kind: 'failed-known', reason: `${id} can no longer be committed: ${(error as Error).message}` };
      }
      if (isTransientCoordinatorError(error) || (error as { retriable?: unknown }).retriable === true) {
        return { kind: 'retry-later', reason: `${id}: ${(error as Error).message}` };
      }
      return { kind: 'failed-unknown', reason: `${id}: ${(error as Error).message}`, cause: error };
    }
  }

  /**
   * `EndTxn` answers once the commit decision is durable (PrepareCommit); the commit markers that make the records
   * visible to read_committed consumers are written after. Waits (bounded) for CompleteCommit, so that a completed
   * checkpoint's records are visible when its commit is reported done. A commit still marking after that is done all
   * the same: the coordinator finishes it even if this process dies.
   */
  private async awaitMarkers(cluster: KafkaCluster, handle: TransactionHandle): Promise<void> {
    const deadline = Date.now() + MARKER_WAIT_MS;
    for (let pause = 5; Date.now() < deadline; pause = Math.min(pause * 2, 100)) {
      const now = await describeTransaction(cluster, handle.transactionalId);
      if (now === undefined || now.state !== 'PrepareCommit' || now.producerEpoch !== handle.producerEpoch) return;
      await delayOrUntil(pause);
    }
    this.init.log.warn({ transactionalId: handle.transactionalId }, `kafka commit markers not written after ${MARKER_WAIT_MS} ms; the broker completes them`);
  }

  async close(): Promise<void> {
    const cluster = this.cluster;
    this.cluster = undefined;
    await cluster?.disconnect();
  }
}
