import { SeededRandom } from '../../../core/testing';
import { AbortedTransactionFilter, committedBatches, controlMarker, type AbortedTransaction, type BatchHeader, type ControlMarker } from './aborted-transactions';

/** A batch of a test log, with the value of each record and the fate a read_committed reader must give it. */
interface TestBatch extends BatchHeader {
  readonly values: readonly string[];
}

/** Builds a partition's log batch by batch, offsets counted from `start`. */
class TestLog {
  readonly batches: TestBatch[] = [];
  private next: bigint;

  constructor(start = 0) {
    this.next = BigInt(start);
  }

  /** A data batch of `values`: transactional unless `producerId` is -1 or `transactional` is false. */
  data(producerId: number, values: readonly string[], transactional = producerId >= 0): this {
    return this.push({ producerId: BigInt(producerId), isTransactional: transactional, values });
  }

  marker(producerId: number, control: ControlMarker): this {
    return this.push({ producerId: BigInt(producerId), isTransactional: true, control, values: [control] });
  }

  /** The offset the next batch gets. */
  get offset(): number {
    return Number(this.next);
  }

  private push(batch: Omit<TestBatch, 'firstOffset' | 'lastOffset'>): this {
    const firstOffset = this.next;
    this.next += BigInt(batch.values.length);
    this.batches.push({ ...batch, firstOffset, lastOffset: this.next - 1n });
    return this;
  }
}

const aborted = (producerId: number, firstOffset: number): AbortedTransaction => ({ producerId: BigInt(producerId), firstOffset: BigInt(firstOffset) });
const delivered = (batches: readonly TestBatch[], list: readonly AbortedTransaction[]): string[] =>
  committedBatches(batches, list).flatMap((batch) => batch.values);

describe('committedBatches (read_committed per record batch)', () => {
  it('keeps everything when nothing was aborted, but never a control batch', () => {
    const log = new TestLog().data(-1, ['a']).data(5, ['t1', 't2']).marker(5, 'commit').data(-1, ['b']);
    expect(delivered(log.batches, [])).toEqual(['a', 't1', 't2', 'b']);
  });

  it('skips an aborted transaction up to its abort marker, and keeps the same producer\'s next, committed one', () => {
    const log = new TestLog().data(7, ['x1']).data(7, ['x2']).marker(7, 'abort').data(7, ['ok1']).marker(7, 'commit').data(7, ['ok2']);
    expect(delivered(log.batches, [aborted(7, 0)])).toEqual(['ok1', 'ok2']);
  });

  it('skips two transactions of different producers aborted while overlapping, with committed ones between', () => {
    const log = new TestLog()
      .data(1, ['a1']) // 0 aborted
      .data(2, ['b1']) // 1 aborted
      .data(3, ['c1']) // 2 committed
      .data(1, ['a2'])
      .data(2, ['b2'])
      .marker(3, 'commit')
      .data(-1, ['plain'])
      .data(2, ['b3'])
      .marker(1, 'abort')
      .data(2, ['b4'])
      .marker(2, 'abort')
      .data(1, ['a-next'])
      .marker(1, 'commit');
    expect(delivered(log.batches, [aborted(1, 0), aborted(2, 1)])).toEqual(['c1', 'plain', 'a-next']);
  });

  it('does not depend on the order the broker lists aborted transactions in', () => {
    const log = new TestLog().data(38, ['a']).data(39, ['b']).data(40, ['c']).marker(39, 'abort').marker(38, 'abort').marker(40, 'commit');
    const list = [aborted(39, 1), aborted(38, 0)];
    expect(delivered(log.batches, list)).toEqual(['c']);
    expect(delivered(log.batches, [...list].reverse())).toEqual(['c']);
  });

  it('starts a fetch inside an aborted transaction: its first offset lies before the first batch', () => {
    const log = new TestLog(100).data(4, ['x']).data(-1, ['plain']).marker(4, 'abort').data(4, ['after']).marker(4, 'commit');
    expect(delivered(log.batches, [aborted(4, 90)])).toEqual(['plain', 'after']);
  });

  it('starts a fetch inside two aborted transactions of different producers at once', () => {
    // kafkajs 2.2.4's filter takes one listed transaction per record: at offset 50 only producer 1's, so producer 2's
    // first record came through
    const log = new TestLog(50).data(2, ['b']).data(1, ['a']).data(2, ['b']).marker(1, 'abort').data(2, ['b']).marker(2, 'abort').data(-1, ['end']);
    expect(delivered(log.batches, [aborted(1, 10), aborted(2, 20)])).toEqual(['end']);
    expect(delivered(log.batches, [aborted(2, 20), aborted(1, 10)])).toEqual(['end']);
  });

  it('starts a fetch inside three aborted transactions whose batches interleave, one producer committing after', () => {
    const log = new TestLog(1000)
      .data(3, ['c'])
      .data(2, ['b'])
      .data(1, ['a'])
      .data(1, ['a'])
      .marker(2, 'abort')
      .data(3, ['c'])
      .data(2, ['b-committed'])
      .marker(1, 'abort')
      .marker(3, 'abort')
      .marker(2, 'commit');
    expect(delivered(log.batches, [aborted(3, 999), aborted(1, 900), aborted(2, 950)])).toEqual(['b-committed']);
  });

  it('skips a producer\'s two aborted transactions in one fetch and keeps its committed one between them', () => {
    const log = new TestLog().data(9, ['x1']).marker(9, 'abort').data(9, ['ok']).marker(9, 'commit').data(9, ['x2']).marker(9, 'abort');
    expect(delivered(log.batches, [aborted(9, 4), aborted(9, 0)])).toEqual(['ok']);
  });

  it('lets a commit marker of one producer leave another producer\'s abort in force', () => {
    const log = new TestLog().data(1, ['x']).data(2, ['ok']).marker(2, 'commit').data(1, ['x']).marker(1, 'abort');
    expect(delivered(log.batches, [aborted(1, 0)])).toEqual(['ok']);
  });

  it('keeps batches without a transaction interleaved with an aborted one, even of an idempotent producer with an aborted id', () => {
    const log = new TestLog().data(-1, ['n1']).data(6, ['x']).data(-1, ['n2']).data(6, ['idem'], false).marker(6, 'abort').data(-1, ['n3']);
    expect(delivered(log.batches, [aborted(6, 1)])).toEqual(['n1', 'n2', 'idem', 'n3']);
  });

  it('handles a transaction aborted without data in the partition: listed at its marker, over at its marker', () => {
    const log = new TestLog().marker(3, 'abort').data(3, ['next-committed']).marker(3, 'commit');
    expect(delivered(log.batches, [aborted(3, 0)])).toEqual(['next-committed']);
  });

  it('takes a transaction that starts inside a batch (a multi-record batch) as started for the whole batch', () => {
    const log = new TestLog().data(2, ['x1', 'x2', 'x3']).marker(2, 'abort');
    expect(delivered(log.batches, [aborted(2, 1)])).toEqual([]);
  });

  it('reports what it did with each batch', () => {
    const filter = new AbortedTransactionFilter([aborted(1, 0)]);
    const log = new TestLog().data(1, ['x']).marker(1, 'abort').data(1, ['y']);
    expect(log.batches.map((batch) => filter.verdict(batch))).toEqual(['aborted', 'control', 'deliver']);
  });
});

describe('committedBatches against generated logs (truth known from how each transaction ended)', () => {
  interface TruthBatch extends TestBatch {
    readonly committed: boolean;
  }

  /** A log of interleaved transactions of `producers` producers and plain writes, every transaction ended. */
  function generate(random: SeededRandom, producers: number): { batches: TruthBatch[]; listed: { producerId: number; firstOffset: number; markerOffset: number }[] } {
    const batches: TruthBatch[] = [];
    const listed: { producerId: number; firstOffset: number; markerOffset: number }[] = [];
    const open = new Map<number, { firstOffset: number; commit: boolean; batches: number[] }>();
    let offset = 0;
    const push = (producerId: number, transactional: boolean, control: ControlMarker | undefined, size: number, committed: boolean): void => {
      const values = Array.from({ length: size }, (_, i) => `${producerId}@${offset + i}`);
      batches.push({ firstOffset: BigInt(offset), lastOffset: BigInt(offset + size - 1), producerId: BigInt(producerId), isTransactional: transactional, ...(control === undefined ? {} : { control }), values, committed });
      offset += size;
    };
    const end = (producerId: number, txn: { firstOffset: number; commit: boolean; batches: number[] }): void => {
      for (const index of txn.batches) batches[index] = { ...(batches[index] as TruthBatch), committed: txn.commit };
      if (!txn.commit) listed.push({ producerId, firstOffset: txn.firstOffset, markerOffset: offset });
      push(producerId, true, txn.commit ? 'commit' : 'abort', 1, false);
      open.delete(producerId);
    };
    for (let step = 0, steps = random.int(1, 60); step < steps; step += 1) {
      const producerId = random.int(-1, producers - 1);
      const txn = open.get(producerId);
      if (producerId < 0) push(-1, false, undefined, random.int(1, 3), true);
      else if (txn !== undefined && random.chance(0.3)) end(producerId, txn);
      else if (txn === undefined && random.chance(0.05)) end(producerId, { firstOffset: offset, commit: false, batches: [] });
      else {
        const current = txn ?? { firstOffset: offset, commit: random.chance(0.5), batches: [] };
        open.set(producerId, current);
        current.batches.push(batches.length);
        push(producerId, true, undefined, random.int(1, 3), true);
      }
    }
    for (const [producerId, txn] of [...open]) end(producerId, txn);
    return { batches, listed };
  }

  it('delivers exactly the committed and plain records from any fetch offset, whatever the list order', () => {
    const random = new SeededRandom(20261204);
    for (let trial = 0; trial < 1_000; trial += 1) {
      const { batches, listed } = generate(random, random.int(1, 4));
      const fetchOffset = random.int(0, Number(batches.at(-1)?.lastOffset ?? 0n));
      // the broker returns the batch holding the fetch offset on, up to some batch (maxBytes), and lists the
      // transactions aborted at or after the fetch offset that start before the end of what it returns
      const from = batches.findIndex((batch) => batch.lastOffset >= BigInt(fetchOffset));
      const returned = batches.slice(from, random.int(from + 1, batches.length));
      const upTo = Number(returned.at(-1)?.lastOffset ?? 0n);
      const list = listed
        .filter((txn) => txn.markerOffset >= fetchOffset && txn.firstOffset <= upTo)
        .map((txn) => aborted(txn.producerId, txn.firstOffset))
        .sort(() => random.next() - 0.5);
      const expected = returned.filter((batch) => batch.control === undefined && batch.committed).flatMap((batch) => batch.values);
      expect({ trial, delivered: delivered(returned, list) }).toEqual({ trial, delivered: expected });
    }
  });
});

describe('controlMarker', () => {
  it('reads the type of a control record key, whatever its version', () => {
    expect(controlMarker(Buffer.from([0, 0, 0, 0]))).toBe('abort');
    expect(controlMarker(Buffer.from([0, 0, 0, 1]))).toBe('commit');
    expect(controlMarker(Buffer.from([0, 1, 0, 0]))).toBe('abort');
    expect(controlMarker(Buffer.from([0, 0, 0, 2]))).toBe('unknown');
    expect(controlMarker(Buffer.from([0, 0, 0]))).toBe('unknown');
    expect(controlMarker(null)).toBe('unknown');
  });
});
