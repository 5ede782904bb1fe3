import { LockstepError } from '../../../core/sdk';
import type { TransactionHandle } from '../internals';
import { parseTransactionalId, transactionalId } from './kafka-sink-config';

/**
 * The transactional ids of one writer subtask: `<prefix>-<subtask>-<n>` for n in `base … base + size − 1`, reused
 * across checkpoints (Flink 2.0's pooling naming strategy). An id is *busy* from the barrier that pre-committed its
 * transaction until its committer released it (see {@link TransactionRegistry.commitCall}); the next transaction takes
 * the lowest id that is neither busy nor open, and the pool grows by one id only when every id is busy or open. A
 * writer keeps two open: the one it writes to and a spare, initialized ahead so that the next checkpoint's first
 * records need not wait for its `InitProducerId`. In the steady state a subtask cycles through four or five ids: two
 * open, one or two pre-committed (the checkpoint in flight, the one being committed), one committed but still named by
 * the newest checkpoint record.
 *
 * Every transaction begins with `InitProducerId` on its id, which bumps the id's producer epoch: a committable
 * (`transactionalId`, producer id, epoch) names one transaction only, never a later one on the same id.
 */
export class TransactionPool {
  private readonly busy = new Map<number, TransactionHandle>();
  /** Ids taken for transactions that are open (written to, or the spare), not pre-committed. */
  private readonly opened = new Set<number>();

  constructor(
    private readonly prefix: string,
    private readonly subtask: number,
    /** The first id number of the pool (a state written before pooling had ids below it, never reused). */
    readonly base: number,
    private sizeNow: number,
  ) {}

  get size(): number {
    return this.sizeNow;
  }

  /** The id number `n` of this pool's `transactionalId`, or undefined for an id of another pool. */
  numberOf(id: string): number | undefined {
    const parsed = parseTransactionalId(this.prefix, id);
    if (parsed === undefined || parsed.subtask !== this.subtask || parsed.n < this.base || parsed.n >= this.base + this.sizeNow) return undefined;
    return parsed.n;
  }

  idOf(n: number): string {
    return transactionalId(this.prefix, this.subtask, n);
  }

  /** Every id number of the pool. */
  numbers(): number[] {
    return Array.from({ length: this.sizeNow }, (_, i) => this.base + i);
  }

  /** Takes the id of a new transaction: the lowest one neither busy nor open, or a new one. */
  take(): number {
    let n = this.base;
    while (n < this.base + this.sizeNow && (this.busy.has(n) || this.opened.has(n))) n += 1;
    if (n === this.base + this.sizeNow) this.sizeNow += 1;
    this.opened.add(n);
    return n;
  }

  /** Grows the pool to hold id number `n` (an id a crashed run added after the checkpoint). */
  cover(n: number): void {
    this.sizeNow = Math.max(this.sizeNow, n - this.base + 1);
  }

  /** The open transaction was pre-committed: its id stays busy until released. */
  preCommitted(handle: TransactionHandle): void {
    const n = this.numberOf(handle.transactionalId);
    if (n === undefined) {
      throw new LockstepError(`kafka sink: transactional id ${handle.transactionalId} is not in the pool of subtask ${this.subtask}`, { code: 'LS_INTERNAL' });
    }
    this.busy.set(n, handle);
    this.opened.delete(n);
  }

  /** Open transactions ended without a committable (aborted, or nothing written): their ids are free again. */
  closeOpen(): void {
    this.opened.clear();
  }

  /** Marks `handle`'s id busy (restored from a checkpoint). */
  restoreBusy(handle: TransactionHandle): void {
    const n = this.numberOf(handle.transactionalId);
    if (n !== undefined) this.busy.set(n, handle);
  }

  /** Frees the id of `handle` when it is still busy with that very transaction; true when it did. */
  release(handle: TransactionHandle): boolean {
    const n = this.numberOf(handle.transactionalId);
    if (n === undefined) return false;
    const held = this.busy.get(n);
    if (held === undefined || !sameTransaction(held, handle)) return false;
    this.busy.delete(n);
    return true;
  }

  /** The pre-committed transactions whose ids are not released yet, lowest id first. */
  busyHandles(): TransactionHandle[] {
    return [...this.busy.entries()].sort(([a], [b]) => a - b).map(([, handle]) => handle);
  }
}

export function sameTransaction(a: TransactionHandle, b: TransactionHandle): boolean {
  return a.transactionalId === b.transactionalId && a.producerId === b.producerId && a.producerEpoch === b.producerEpoch;
}

const keyOf = (handle: TransactionHandle): string => `${handle.transactionalId}/${handle.producerId}/${handle.producerEpoch}`;

interface Finished {
  readonly handle: TransactionHandle;
  /** The highest checkpoint id among the requests of the commit call that last saw it. */
  readonly seenUpTo: number;
}

/**
 * What the writers and the committer of one Kafka sink tell each other in this process (the sink owns one):
 *
 * - Writers announce each transaction they pre-commit (`preCommitted`); the committer commits those with `EndTxn`
 *   alone, no `DescribeTransactions` first (`takeFresh`): they were opened by this process, and nobody committed them
 *   yet. Anything else it is asked to commit (restored from a checkpoint, or a commit tried before) is described first.
 * - The committer reports every commit call (`commitCall`): the committables of the checkpoint record just saved (or,
 *   when a call retries the record's pending ones, part of them). A transaction that ended (committed, or known lost)
 *   is released to its writer's pool once a *later* call — one with a request of a checkpoint newer than any in the
 *   call that ended it — no longer lists it: that call's record is durable without it, so no recovery commits it
 *   again, and its id can be reused (and its epoch bumped) without making a replayed commit ambiguous.
 */
export class TransactionRegistry {
  private readonly pools = new Map<number, TransactionPool>();
  private readonly fresh = new Set<string>();
  private finished = new Map<string, Finished>();

  constructor(private readonly prefix: string) {}

  /** The pool of the newest writer of `subtask` (a restart's writer replaces the failed attempt's). */
  register(subtask: number, pool: TransactionPool): void {
    this.pools.set(subtask, pool);
  }

  unregister(subtask: number, pool: TransactionPool): void {
    if (this.pools.get(subtask) === pool) this.pools.delete(subtask);
  }

  preCommitted(handle: TransactionHandle): void {
    this.fresh.add(keyOf(handle));
  }

  /** Whether `handle` was pre-committed in this process and never tried since; forgets it. */
  takeFresh(handle: TransactionHandle): boolean {
    return this.fresh.delete(keyOf(handle));
  }

  /** Whether a commit call of this process saw `handle` end and has not released it yet. */
  isFinishedUnreleased(handle: TransactionHandle): boolean {
    return this.finished.has(keyOf(handle));
  }

  /** A new committer starts with nothing finished (a restart's committer replaces the failed attempt's). */
  resetCommitter(): void {
    this.finished = new Map();
  }

  /**
   * One commit call: `requests` with their checkpoint ids, and which of them ended for good (`ended`). Releases what
   * ended in an earlier call and is not listed any more (see the class comment).
   */
  commitCall(requests: readonly { handle: TransactionHandle; checkpointId: number }[], ended: readonly TransactionHandle[]): void {
    const newest = requests.reduce((max, request) => Math.max(max, request.checkpointId), -1);
    const listed = new Set(requests.map((request) => keyOf(request.handle)));
    for (const [key, entry] of [...this.finished]) {
      if (listed.has(key) || newest <= entry.seenUpTo) continue;
      this.finished.delete(key);
      this.release(entry.handle);
    }
    for (const handle of ended) this.finished.set(keyOf(handle), { handle, seenUpTo: newest });
  }

  private release(handle: TransactionHandle): void {
    const parsed = parseTransactionalId(this.prefix, handle.transactionalId);
    if (parsed === undefined) return;
    this.pools.get(parsed.subtask)?.release(handle);
  }
}
