import type { Kafka } from 'kafkajs';
import {
  type CommittingSinkWriter,
  LockstepError,
  type LockstepRecord,
  type SinkWriterInitContext,
  type SupportsWriterState,
} from '../../../core/sdk';
import type { KafkaCompression } from '../compression';
import {
  compressionType,
  createCluster,
  describeTransaction,
  initTransactionalId,
  type KafkaCluster,
  KafkaTransaction,
  listTransactions,
  type TransactionHandle,
} from '../internals';
import { classifyKafkaError, messageTooLarge, producerOutOfSequence } from '../kafka-errors';
import { parseTransactionalId } from './kafka-sink-config';
import type { KafkaWriterState } from './kafka-sink-serializers';
import { bufferRecords, describeBatch, PendingBatch, type TakenBatch } from './pending-batch';
import type { RecordEncoder } from './record-encoding';
import { TopicSizeLimits } from './topic-size-limits';
import { TransactionPool, type TransactionRegistry } from './transaction-pool';

export interface ExactlyOnceWriterOptions {
  readonly client: Kafka;
  readonly encoder: RecordEncoder;
  readonly prefix: string;
  /** Resolves the transaction timeout (reads the broker's maximum when not configured). */
  readonly transactionTimeout: () => Promise<number>;
  readonly batchSize: number;
  /** Codec of every record batch produced. */
  readonly compression: KafkaCompression;
  /** What this sink's writers and committer tell each other (pre-committed transactions, released ids). */
  readonly registry: TransactionRegistry;
}

/**
 * Batches taken from the buffer and not yet acknowledged: one being sent, the next waiting for it, so that records are
 * buffered while a send is on the wire. Sends are chained, never concurrent: the send path (internals/produce.ts)
 * gives a batch its sequence numbers only when it takes the broker's lock, after metadata lookups that may take one
 * send longer than the next (the first send to a topic refreshes metadata), so two concurrent sends for one partition
 * could be written in the wrong order.
 */
const MAX_IN_FLIGHT = 2;

/**
 * The newest writer of each `<prefix>/<subtask>` in this process. A restart creates new writers while the failed
 * attempt's may still be in `init` (the engine closes those when their init ends, without waiting for it — say, while
 * the broker is down). Such a writer must stop re-initializing transactional ids once a newer one exists: when the
 * broker is back, its `InitProducerId` could otherwise fence the transaction the new writer has just opened under the
 * same id, and the new writer would stop with LS_KAFKA_FENCED.
 */
const newestWriters = new Map<string, ExactlyOnceKafkaWriter>();

interface OpenTransaction {
  readonly n: number;
  readonly ready: Promise<KafkaTransaction>;
}

/**
 * One Kafka transaction per checkpoint and subtask, with a transactional id `<prefix>-<subtask>-<n>` taken from the
 * subtask's pool of reused ids ({@link TransactionPool}). Records are buffered and sent in batches (the send path adds
 * partitions to the transaction as it goes); at the barrier every send is awaited, the transaction's handle becomes
 * the committable (its id busy until the committer releases it), and the spare becomes the open transaction: the
 * next checkpoint's transaction is always opened one checkpoint ahead, in the background, on a free id (see
 * {@link spare}). The committer commits by handle.
 *
 * Fencing: opening a transaction (`InitProducerId`, which also bumps the id's epoch) fences the id's previous user, so
 * the writer first checks that its process still owns the checkpoint store (`verifyOwner`): a paused zombie never
 * aborts a newer owner's work.
 *
 * Recovery: the checkpoint holds the pool (`base`, `size`) and its busy transactions. At `init()` every id of the pool
 * is re-initialized (`InitProducerId` aborts and fences what a crashed run left open or pre-committed), and so is every
 * id after the pool until one turns out never used (epoch 0) — except the ids of the committables recovery left pending
 * and of busy transactions the broker still holds unchanged (same producer and epoch): those were pre-committed
 * before the checkpoint, and nothing was opened on them after it. Writer 0 also aborts open transactions of subtasks
 * beyond the current parallelism (a rescaled pipeline), found with ListTransactions.
 */
export class ExactlyOnceKafkaWriter implements CommittingSinkWriter<TransactionHandle>, SupportsWriterState<KafkaWriterState> {
  private cluster: KafkaCluster | undefined;
  private timeoutMs = 0;
  private readonly pool: TransactionPool;
  private readonly restoredBusy: readonly TransactionHandle[];
  private open: OpenTransaction | undefined;
  /**
   * The transaction the next checkpoint writes to, opened ahead (on its own pool id) while this one is written: at a
   * barrier the first records after it need not wait for an `InitProducerId` round trip (under full load 50 ms at the
   * median, a sixth of a writer's time at 100 ms checkpoints). Nothing is sent in it before it becomes the open one.
   */
  private spare: OpenTransaction | undefined;
  private readonly pending: PendingBatch;
  private readonly limits: TopicSizeLimits;
  private readonly inFlight: Promise<void>[] = [];
  private failure: Error | undefined;

  constructor(
    private readonly options: ExactlyOnceWriterOptions,
    private readonly context: SinkWriterInitContext<TransactionHandle>,
    restored: KafkaWriterState | undefined,
  ) {
    this.pool = new TransactionPool(options.prefix, context.subtask, restored?.base ?? 0, restored?.size ?? 0);
    this.restoredBusy = restored?.busy ?? [];
    this.pending = new PendingBatch(options.batchSize);
    this.limits = new TopicSizeLimits(options.client, context.log);
    newestWriters.set(this.scope, this);
    options.registry.register(context.subtask, this.pool);
  }

  private get scope(): string {
    return `${this.options.prefix}/${this.context.subtask}`;
  }

  async init(): Promise<void> {
    this.timeoutMs = await this.options.transactionTimeout();
    const { topic } = this.options.encoder;
    if (topic !== undefined) await this.limits.load(topic);
    const cluster = createCluster(this.options.client);
    await cluster.connect();
    this.cluster = cluster;
    // Re-initializing ids fences whoever uses them: never as a zombie that a newer owner took over.
    await this.context.verifyOwner();
    await this.abortLeftovers(cluster);
  }

  async write(records: readonly LockstepRecord[]): Promise<void> {
    this.throwIfFailed();
    await bufferRecords(this.pending, this.options.encoder, this.limits, records, () => this.dispatch());
  }

  async flush(): Promise<void> {
    await this.dispatch();
    await Promise.all(this.inFlight.splice(0));
    this.throwIfFailed();
  }

  async prepareCommit(): Promise<TransactionHandle[]> {
    await this.flush();
    const open = this.open;
    if (open === undefined) return [];
    const transaction = await open.ready;
    if (!transaction.used) return [];
    transaction.release();
    this.pool.preCommitted(transaction.handle);
    this.options.registry.preCommitted(transaction.handle);
    this.open = undefined;
    this.openNext();
    return [transaction.handle];
  }

  snapshotState(): KafkaWriterState {
    return { subtask: this.context.subtask, base: this.pool.base, size: this.pool.size, busy: this.pool.busyHandles() };
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.inFlight.splice(0));
    const open = [this.open, this.spare];
    this.open = undefined;
    this.spare = undefined;
    try {
      for (const transaction of open) if (transaction !== undefined) await (await transaction.ready).abort();
    } catch (error) {
      this.context.log.warn({ err: error }, 'could not abort the open kafka transaction; it is aborted at the next start');
    } finally {
      this.pool.closeOpen();
      await this.limits.close();
      await this.cluster?.disconnect();
      this.cluster = undefined;
      this.options.registry.unregister(this.context.subtask, this.pool);
      if (newestWriters.get(this.scope) === this) newestWriters.delete(this.scope);
    }
  }

  /** Throws when a newer writer of this prefix and subtask exists in this process (see {@link newestWriters}). */
  private throwIfSuperseded(): void {
    if (newestWriters.get(this.scope) === this) return;
    throw new LockstepError(
      `kafka sink writer ${this.scope} was superseded by a newer one (the pipeline restarted): it stops before touching transactional ids`,
      { code: 'LS_KAFKA_FENCED', retriable: false },
    );
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * Makes the spare (or, the first time, a new transaction) the open one, and opens the next spare on a free id in the
   * background, so that no checkpoint's first write waits for its transaction to begin.
   */
  private openNext(): OpenTransaction {
    const next = this.spare === undefined ? this.begin() : this.promote(this.spare);
    this.open = next;
    this.spare = this.begin();
    return next;
  }

  /** The spare as the open transaction, once this process still owns the store: a zombie writes into nothing. */
  private promote(spare: OpenTransaction): OpenTransaction {
    const ready = this.context.verifyOwner().then(() => spare.ready);
    ready.catch(() => undefined);
    return { n: spare.n, ready };
  }

  private begin(): OpenTransaction {
    const n = this.pool.take();
    // InitProducerId on an id fences its current user: a zombie woken up after a takeover would abort the newer
    // owner's pre-committed transaction with that id. It checks it still owns the checkpoint store first.
    const ready = this.context.verifyOwner().then(() =>
      KafkaTransaction.begin(this.options.client, this.cluster as KafkaCluster, {
        transactionalId: this.pool.idOf(n),
        transactionTimeoutMs: this.timeoutMs,
        compression: compressionType(this.options.compression),
      }),
    );
    ready.catch(() => undefined);
    return { n, ready };
  }

  /**
   * Sends what is buffered within the open transaction once the previous send is done (see {@link MAX_IN_FLIGHT});
   * nothing more is sent after a failure.
   */
  private async dispatch(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending.take();
    const transaction = await (this.open ?? this.openNext()).ready;
    const previous = this.inFlight.at(-1) ?? Promise.resolve();
    const sending = previous
      .then(() => (this.failure === undefined ? transaction.send(batch.topicMessages) : undefined))
      .catch(async (error: unknown) => {
        this.failure ??= await this.explainSendFailure(transaction.handle, batch, error);
      });
    this.inFlight.push(sending);
    if (this.inFlight.length >= MAX_IN_FLIGHT) await this.inFlight.shift();
    this.throwIfFailed();
  }

  /**
   * A send refused as too large fails for good: the same records would be refused again. One refused for its sequence
   * numbers is retriable (the restart aborts this transaction and opens a new one). A send refused for an old
   * epoch means the transaction is gone. Timed out (the broker aborted it): retriable, the restart replays from the
   * checkpoint. Taken over by another producer with the same transactional id (a second pipeline with this prefix):
   * not retriable — this instance is the zombie and stops, the newer one goes on.
   */
  private async explainSendFailure(handle: TransactionHandle, batch: TakenBatch, error: unknown): Promise<Error> {
    const cause = error instanceof Error ? error : new Error(String(error));
    const kind = classifyKafkaError(error);
    if (kind === 'too-large') return messageTooLarge(error, describeBatch(batch, this.limits));
    if (kind === 'sequence') return producerOutOfSequence(error, describeBatch(batch, this.limits));
    if (kind !== 'fenced') return cause;
    const now = await describeTransaction(this.cluster as KafkaCluster, handle.transactionalId).catch(() => undefined);
    if (now !== undefined && (now.state === 'PrepareAbort' || now.state === 'CompleteAbort') && now.producerEpoch === handle.producerEpoch + 1) {
      return new LockstepError(`kafka transaction ${handle.transactionalId} timed out (transactionTimeout ${this.timeoutMs} ms) and was aborted by the broker`, {
        code: 'LS_KAFKA_TRANSACTION_TIMED_OUT',
        retriable: true,
        cause,
      });
    }
    return new LockstepError(
      `kafka transaction ${handle.transactionalId} was fenced by a newer producer with the same transactional id: another pipeline ` +
        `uses transactionalIdPrefix ${this.options.prefix}; this one stops`,
      { code: 'LS_KAFKA_FENCED', retriable: false, cause },
    );
  }

  /**
   * Aborts what crashed runs of this subtask (and of subtasks beyond the parallelism) left open or pre-committed: every
   * id of the pool and every used id after it, except those holding a pending committable or a busy transaction the
   * broker still holds unchanged.
   */
  private async abortLeftovers(cluster: KafkaCluster): Promise<void> {
    const { subtask, log } = this.context;
    const pending = this.context.pendingCommittables.filter((handle) => this.pool.numberOf(handle.transactionalId) !== undefined);
    const kept = new Set<number>();
    for (const handle of pending) {
      this.pool.restoreBusy(handle);
      kept.add(this.pool.numberOf(handle.transactionalId) as number);
    }
    for (const handle of this.restoredBusy) {
      const n = this.pool.numberOf(handle.transactionalId);
      if (n === undefined || kept.has(n)) continue;
      const now = await describeTransaction(cluster, handle.transactionalId);
      if (now === undefined || now.producerId !== handle.producerId || now.producerEpoch !== handle.producerEpoch) continue;
      if (now.state === 'Ongoing' || now.state === 'PrepareCommit' || now.state === 'PrepareAbort') continue;
      kept.add(n);
      // Still named by the restored checkpoint (this process's recovery commit saw it): busy until the committer
      // releases it. Otherwise the checkpoint no longer names it, and its id is free.
      if (this.options.registry.isFinishedUnreleased(handle)) this.pool.restoreBusy(handle);
    }
    let aborted = 0;
    for (const n of this.pool.numbers()) {
      if (kept.has(n)) continue;
      this.throwIfSuperseded();
      const handle = await initTransactionalId(cluster, this.pool.idOf(n), this.timeoutMs);
      if (handle.producerEpoch > 0) aborted += 1;
    }
    for (let n = this.pool.base + this.pool.size; ; n += 1) {
      this.throwIfSuperseded();
      const handle = await initTransactionalId(cluster, this.pool.idOf(n), this.timeoutMs);
      if (handle.producerEpoch === 0) break;
      // used by a crashed run whose pool had grown after the checkpoint: the pool takes it over
      this.pool.cover(n);
      aborted += 1;
    }
    if (aborted > 0) log.info({ aborted, from: this.pool.idOf(this.pool.base) }, 'aborted kafka transactions left by an earlier run');
    if (subtask === 0) await this.abortBeyondParallelism(cluster);
  }

  private async abortBeyondParallelism(cluster: KafkaCluster): Promise<void> {
    const { prefix } = this.options;
    try {
      const open = await listTransactions(cluster, ['Ongoing', 'PrepareAbort', 'PrepareCommit']);
      for (const entry of open) {
        const parsed = parseTransactionalId(prefix, entry.transactionalId);
        if (parsed === undefined || parsed.subtask < this.context.parallelism) continue;
        await initTransactionalId(cluster, entry.transactionalId, this.timeoutMs);
        this.context.log.info({ transactionalId: entry.transactionalId }, 'aborted a kafka transaction of a subtask beyond the parallelism');
      }
    } catch (error) {
      this.context.log.warn({ err: error }, 'cannot list kafka transactions to abort those of removed subtasks');
    }
  }
}
