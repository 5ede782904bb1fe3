import { pino } from 'pino';
import type { LockstepRecord } from '../api/record';
import type { SourceSplit } from '../api/source-split';
import { SourceReaderBase } from './source-reader-base';

/** A split of `size` numbered records, read from `next` on. */
interface CountSplit extends SourceSplit {
  readonly size: number;
  readonly next: number;
}

interface CountState {
  readonly splitId: string;
  readonly size: number;
  next: number;
}

/** Reads its splits one after the other; `readyIn` stands for data arriving from elsewhere (a socket, a timer). */
class CountingReader extends SourceReaderBase<CountSplit, CountState> {
  readyIn: number | Promise<void> = 0;
  readonly events: string[] = [];

  constructor(lines: string[] = []) {
    super(pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line).msg) }));
  }

  fail(error: Error): void {
    this.reportFailure(error);
  }

  wake(): void {
    this.notifyAvailable();
  }

  protected initSplitState({ splitId, size, next }: CountSplit): CountState {
    return { splitId, size, next };
  }

  protected toSplit({ splitId, size, next }: CountState): CountSplit {
    return { splitId, size, next };
  }

  protected async readRecords(max: number): Promise<LockstepRecord[]> {
    const state = this.currentSplit as CountState;
    const records: LockstepRecord[] = [];
    while (records.length < max && state.next < state.size) {
      records.push({ value: `${state.splitId}:${state.next}` });
      state.next += 1;
    }
    if (records.length === 0) this.finishSplit(state.splitId);
    return records;
  }

  protected whenAvailable(): number | Promise<void> {
    return this.readyIn;
  }

  protected override onSplitFinished(splitId: string): void {
    this.events.push(`finished ${splitId}`);
  }

  protected override async onClose(): Promise<void> {
    this.events.push('closed');
  }
}

const split = (splitId: string, size: number, next = 0): CountSplit => ({ splitId, size, next });
const values = (result: Awaited<ReturnType<CountingReader['pollNext']>>): unknown[] =>
  result.status === 'records' ? result.records.map((record) => record.value) : [result.status];

/** Whether `promise` settled by the time already queued callbacks ran. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('SourceReaderBase', () => {
  it('reads the splits in assignment order, moving on when one ends within the same poll', async () => {
    const reader = new CountingReader();
    reader.addSplits([split('a', 2), split('b', 3)]);
    expect(values(await reader.pollNext(10))).toEqual(['a:0', 'a:1']);
    expect(values(await reader.pollNext(2))).toEqual(['b:0', 'b:1']);
    expect(values(await reader.pollNext(0))).toEqual(['b:2']);
    expect(reader.events).toEqual(['finished a']);
  });

  it('ends the input only once no more splits will come and every split finished', async () => {
    const reader = new CountingReader();
    expect(values(await reader.pollNext(10))).toEqual(['nothing-available']);
    reader.addSplits([split('a', 1)]);
    expect(values(await reader.pollNext(10))).toEqual(['a:0']);
    expect(values(await reader.pollNext(10))).toEqual(['nothing-available']);
    reader.notifyNoMoreSplits();
    expect(values(await reader.pollNext(10))).toEqual(['end-of-input']);

    const other = new CountingReader();
    other.notifyNoMoreSplits();
    other.addSplits([split('a', 1)]);
    expect(values(await other.pollNext(10))).toEqual(['a:0']);
    expect(values(await other.pollNext(10))).toEqual(['end-of-input']);
  });

  it('snapshots the unfinished splits at the position after the last record returned, as values', async () => {
    const reader = new CountingReader();
    reader.addSplits([split('a', 1), split('b', 5, 2)]);
    expect(reader.snapshotState(1)).toEqual([split('a', 1), split('b', 5, 2)]);
    expect(values(await reader.pollNext(2))).toEqual(['a:0']);
    expect(reader.snapshotState(2)).toEqual([split('a', 1, 1), split('b', 5, 2)]);
    expect(values(await reader.pollNext(2))).toEqual(['b:2', 'b:3']);
    const snapshot = reader.snapshotState(3);
    expect(snapshot).toEqual([split('b', 5, 4)]);
    await reader.pollNext(1);
    expect(snapshot).toEqual([split('b', 5, 4)]);
    expect(reader.snapshotState(4)).toEqual([split('b', 5, 5)]);
  });

  it('keeps the first of a split assigned twice and warns', async () => {
    const lines: string[] = [];
    const reader = new CountingReader(lines);
    reader.addSplits([split('a', 1)]);
    reader.addSplits([split('a', 9, 5)]);
    expect(reader.snapshotState(1)).toEqual([split('a', 1)]);
    expect(lines).toContain('split assigned twice; keeping the first');
  });

  it('is available when splits arrive, when no more will come, or when the reader says so', async () => {
    const reader = new CountingReader();
    const waiting = reader.isAvailable();
    expect(await settled(waiting)).toBe(false);
    expect(reader.isAvailable()).toBe(waiting);
    reader.addSplits([split('a', 1)]);
    expect(await settled(waiting)).toBe(true);
    expect(await settled(reader.isAvailable())).toBe(true);

    reader.readyIn = Infinity;
    const later = reader.isAvailable();
    expect(await settled(later)).toBe(false);
    reader.wake();
    expect(await settled(later)).toBe(true);

    const own = new Promise<void>(() => undefined);
    reader.readyIn = own;
    expect(reader.isAvailable()).toBe(own);

    const idle = new CountingReader();
    const ending = idle.isAvailable();
    idle.notifyNoMoreSplits();
    expect(await settled(ending)).toBe(true);
    expect(await settled(idle.isAvailable())).toBe(true);
  });

  it('wakes after the delay the reader names', async () => {
    const reader = new CountingReader();
    reader.addSplits([split('a', 1)]);
    reader.readyIn = 30;
    const started = Date.now();
    const waiting = reader.isAvailable();
    expect(await settled(waiting)).toBe(false);
    await waiting;
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('throws a reported failure at the next poll and is available at once', async () => {
    const reader = new CountingReader();
    const waiting = reader.isAvailable();
    reader.fail(new Error('fetch failed'));
    expect(await settled(waiting)).toBe(true);
    await expect(reader.pollNext(1)).rejects.toThrow('fetch failed');
  });

  it('is available at once after close and reads nothing more', async () => {
    const reader = new CountingReader();
    const waiting = reader.isAvailable();
    await reader.close();
    expect(await settled(waiting)).toBe(true);
    reader.addSplits([split('a', 1)]);
    expect(values(await reader.pollNext(1))).toEqual(['nothing-available']);
    expect(reader.events).toEqual(['closed']);
  });
});
