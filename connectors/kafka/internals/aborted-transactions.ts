/**
 * read_committed filtering of one partition of a Fetch response, decided per record batch the way Kafka's Java
 * consumer decides it (its fetcher's aborted-producer-id bookkeeping), written for lockstep. Pure: no kafkajs, no I/O.
 *
 * The broker answers a read_committed Fetch with the partition's record batches up to the last stable offset and the
 * transactions aborted in that range (producer id, first offset), in no particular order. A transaction's records
 * are not marked aborted themselves: its end is the ABORT control batch the coordinator writes after them. So, walking
 * the batches in offset order:
 * - before each batch, every listed transaction whose first offset is at or before the batch's last offset joins the
 *   set of aborted producers (several producers can be in it at once: transactions of different producers interleave);
 * - an ABORT control batch takes its producer out of the set (a COMMIT marker changes nothing: the producer was not
 *   in it);
 * - a transactional data batch of a producer in the set is skipped whole, a batch without a transaction is kept;
 * - control batches are never delivered.
 * The set lives for one partition of one response: a fetch that starts inside an aborted transaction finds it listed
 * again (the broker lists every aborted transaction whose marker is at or after the fetch offset).
 */

/** What the record of a control batch says: its key is `version: int16, type: int16`, type 0 ABORT, 1 COMMIT. */
export type ControlMarker = 'abort' | 'commit' | 'unknown';

/** The header fields of a record batch the decision needs. */
export interface BatchHeader {
  readonly firstOffset: bigint;
  /** Offset of the batch's last record as written (`firstOffset + lastOffsetDelta`), even if compaction removed it. */
  readonly lastOffset: bigint;
  /** -1 when the batch has no producer id (written neither idempotently nor in a transaction). */
  readonly producerId: bigint;
  /** The batch's transactional attribute bit. */
  readonly isTransactional: boolean;
  /** Present for a control batch (attribute bit 5): the marker its record holds. */
  readonly control?: ControlMarker;
}

/** An aborted transaction as a Fetch response lists it. */
export interface AbortedTransaction {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
}

/** What becomes of a batch: its records delivered, or skipped as a control batch or as part of an aborted transaction. */
export type BatchVerdict = 'deliver' | 'control' | 'aborted';

/**
 * The decision for one partition of one Fetch response. Call order: construct with the response's aborted
 * transactions, then `verdict` once per record batch in offset order.
 */
export class AbortedTransactionFilter {
  private readonly pending: readonly AbortedTransaction[];
  private nextPending = 0;
  private readonly abortedProducers = new Set<bigint>();

  constructor(aborted: readonly AbortedTransaction[]) {
    this.pending = [...aborted].sort((a, b) => compare(a.firstOffset, b.firstOffset));
  }

  /** What to do with `batch`, the next batch of the partition in offset order. */
  verdict(batch: BatchHeader): BatchVerdict {
    // the transactions started up to this batch first: a transaction aborted without data here starts at its marker
    this.admitStartedUpTo(batch.lastOffset);
    if (batch.control !== undefined) {
      if (batch.control === 'abort') this.abortedProducers.delete(batch.producerId);
      return 'control';
    }
    return batch.isTransactional && this.abortedProducers.has(batch.producerId) ? 'aborted' : 'deliver';
  }

  private admitStartedUpTo(offset: bigint): void {
    for (let next = this.pending[this.nextPending]; next !== undefined && next.firstOffset <= offset; next = this.pending[this.nextPending]) {
      this.abortedProducers.add(next.producerId);
      this.nextPending += 1;
    }
  }
}

/** The batches of `batches` (one partition, in offset order) whose records a read_committed consumer sees. */
export function committedBatches<B extends BatchHeader>(batches: Iterable<B>, aborted: readonly AbortedTransaction[]): B[] {
  const filter = new AbortedTransactionFilter(aborted);
  const kept: B[] = [];
  for (const batch of batches) if (filter.verdict(batch) === 'deliver') kept.push(batch);
  return kept;
}

/**
 * The marker of a control record with key `key`. Like Kafka's own parser, a version other than 0 is read the same
 * way (the type stays at bytes 2–3); a key too short for a type, or a type Kafka does not define, is `unknown`.
 */
export function controlMarker(key: Uint8Array | null | undefined): ControlMarker {
  if (key === null || key === undefined || key.length < 4) return 'unknown';
  const type = ((key[2] as number) << 8) | (key[3] as number);
  return type === 0 ? 'abort' : type === 1 ? 'commit' : 'unknown';
}

function compare(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
