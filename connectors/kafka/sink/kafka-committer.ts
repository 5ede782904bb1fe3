import type { Kafka } from 'kafkajs';
import { type CommitOutcome, type CommitRequest, type Committer, type InitContext, pollUntil } from '../../../core/sdk';
import { createCluster, describeTransaction, endTransaction, type KafkaCluster, type TransactionHandle } from '../internals';
import { classifyKafkaError, isRetriableKafkaError, isTransientCoordinatorError } from '../kafka-errors';
import type { TransactionRegistry } from './transaction-pool';

/** How long a commit waits for its markers (records visible to read_committed consumers). */
const MARKER_WAIT_MS = 10_000;
/** Marker polls: 5 ms doubling to 100 ms, no jitter. */
const MARKER_POLL = { initialDelayMs: 5, maxDelayMs: 100, jitter: 0 } as const;

/**
 * Commits pre-committed Kafka transactions by transactional id, producer id and epoch with `EndTxn(commit)` — never
 * `InitProducerId`, which would abort them — so a transaction opened by a process that died is committed by the next
 * one.
 *
 * A transaction a writer of this process pre-committed and nobody tried to commit yet (`TransactionRegistry.takeFresh`)
 * is committed with `EndTxn` alone: its answer tells the outcome (no error: the commit is decided and the coordinator
 * writes the markers; an error: the careful path below explains it). Any other — restored from a checkpoint, or tried
 * before — is described first (`DescribeTransactions`): `CompleteCommit` with the same producer and epoch is a
 * replayed commit (`already-committed`); an aborted or fenced one (timed out, or a newer producer took the id) is
 * reported as possible data loss, never as done.
 *
 * Markers: `EndTxn` answers once the commit is decided (PrepareCommit); the markers that make the records visible to
 * read_committed consumers follow within milliseconds, written by the coordinator even if this process dies. Commits
 * do not wait for them; `close()` does (bounded), so that a run's last commit is visible when the run returns.
 */
export class KafkaCommitter implements Committer<TransactionHandle> {
  private cluster: KafkaCluster | undefined;
  /** The transactions the last commit call committed, whose markers `close()` waits for. */
  private lastCommitted: TransactionHandle[] = [];

  constructor(
    private readonly client: Kafka,
    private readonly init: InitContext,
    private readonly registry: TransactionRegistry,
  ) {
    registry.resetCommitter();
  }

  async commit(requests: readonly CommitRequest<TransactionHandle>[]): Promise<CommitOutcome[]> {
    // Independent transactions (one per writer subtask), each with its own coordinator round trips: commit them
    // side by side, so a checkpoint's records become visible after one commit's latency, not the sum of them.
    await this.connected();
    const outcomes = await Promise.all(requests.map((request) => this.commitOne(request.committable)));
    const ended = requests.filter((_, i) => outcomes[i]?.kind !== 'retry-later' && outcomes[i]?.kind !== 'failed-unknown').map((request) => request.committable);
    this.registry.commitCall(requests.map((request) => ({ handle: request.committable, checkpointId: request.checkpointId })), ended);
    const committed = requests.filter((_, i) => outcomes[i]?.kind === 'committed').map((request) => request.committable);
    if (committed.length > 0) this.lastCommitted = committed;
    return outcomes;
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
    if (this.registry.takeFresh(handle)) {
      try {
        await endTransaction(await this.connected(), handle, true);
        return { kind: 'committed' };
      } catch (error) {
        // Fenced, aborted, expired, or a coordinator that did not answer: the careful path tells which.
        this.init.log.debug({ err: error, transactionalId: handle.transactionalId }, 'kafka EndTxn refused; describing the transaction');
      }
    }
    return this.commitDescribed(handle);
  }

  private async commitDescribed(handle: TransactionHandle): Promise<CommitOutcome> {
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
      const kind = classifyKafkaError(error);
      if (kind === 'fenced' || kind === 'transaction-lost') {
        return { kind: 'failed-known', reason: `${id} can no longer be committed: ${(error as Error).message}` };
      }
      if (isTransientCoordinatorError(error) || isRetriableKafkaError(error)) {
        return { kind: 'retry-later', reason: `${id}: ${(error as Error).message}` };
      }
      return { kind: 'failed-unknown', reason: `${id}: ${(error as Error).message}`, cause: error };
    }
  }

  /**
   * `EndTxn` answers once the commit decision is durable (PrepareCommit); the commit markers that make the records
   * visible to read_committed consumers are written after. Waits (bounded) for CompleteCommit. A commit still marking
   * after that is done all the same: the coordinator finishes it even if this process dies.
   */
  private async awaitMarkers(cluster: KafkaCluster, handle: TransactionHandle): Promise<void> {
    const settled = await pollUntil(
      async () => {
        const now = await describeTransaction(cluster, handle.transactionalId);
        return now === undefined || now.state !== 'PrepareCommit' || now.producerEpoch !== handle.producerEpoch ? true : undefined;
      },
      { ...MARKER_POLL, deadlineMs: MARKER_WAIT_MS },
    );
    if (settled === true) return;
    this.init.log.warn({ transactionalId: handle.transactionalId }, `kafka commit markers not written after ${MARKER_WAIT_MS} ms; the broker completes them`);
  }

  async close(): Promise<void> {
    const cluster = this.cluster;
    const last = this.lastCommitted.splice(0);
    try {
      if (cluster !== undefined) await Promise.all(last.map((handle) => this.awaitMarkers(cluster, handle).catch(() => undefined)));
    } finally {
      this.cluster = undefined;
      await cluster?.disconnect();
    }
  }
}
