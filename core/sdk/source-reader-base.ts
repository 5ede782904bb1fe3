import type { Logger } from 'pino';
import type { LockstepRecord } from '../api/record';
import type { PollResult, SourceReader } from '../api/source-reader';
import type { SourceSplit } from '../api/source-split';
import { AvailabilitySignal } from './signal';

const NOTHING: PollResult = { status: 'nothing-available' };
const END: PollResult = { status: 'end-of-input' };

/**
 * What every source reader does the same way, in the spirit of Flink's `SourceReaderBase`: it owns the splits
 * assigned to the subtask (in assignment order, keyed by split id, each as the reader's mutable `State`), the end of
 * input (no more splits will come and every split finished), the availability signal and the snapshot of the
 * unfinished splits. A reader extends it and keeps only what is its own:
 *
 * - `initSplitState` / `toSplit`: a split as the reader tracks it while reading, and back as a checkpoint stores it;
 * - `readRecords`: up to `max` records from the splits it owns (the current one, or several in turn); an empty result
 *   means nothing right now, unless the reader called `finishSplit` meanwhile — then the base reads again;
 * - `whenAvailable`: when its splits may have records again;
 * - optionally `onSplitsAdded`, `onSplitFinished`, `onClose`, and `start` / `notifyCheckpointComplete`.
 *
 * A split leaves the reader's state once the reader calls `finishSplit`; a failure of a background task passed to
 * `reportFailure` is thrown by the next `pollNext`. Call order: the engine's (`SourceReader`).
 */
export abstract class SourceReaderBase<Split extends SourceSplit, State> implements SourceReader<Split> {
  private readonly owned = new Map<string, State>();
  private noMoreSplits = false;
  private closed = false;
  private failure: Error | undefined;
  private finishedCount = 0;
  private readonly available = new AvailabilitySignal();
  private wakeTimer: NodeJS.Timeout | undefined;

  protected constructor(protected readonly log: Logger) {}

  /** The split as the reader tracks it while reading (a copy or a mutable wrapper; the split itself is a value). */
  protected abstract initSplitState(split: Split): State;
  /** The split a checkpoint stores for `state`: a value, independent of `state` (the engine may serialize it later). */
  protected abstract toSplit(state: State): Split;
  /** Up to `max` (≥ 1) records; called only while the reader owns splits and is open. May throw a `RecordError`. */
  protected abstract readRecords(max: number): Promise<readonly LockstepRecord[]>;
  /**
   * When `readRecords` may have records again (asked only while the reader owns splits and is open): `0` now, a
   * number of ms, `Infinity` once the reader calls `notifyAvailable()`, or a promise of the reader's own (e.g. a
   * stream's; returned as it is, so `notifyAvailable()` does not resolve it).
   */
  protected abstract whenAvailable(): number | Promise<void>;
  /** After splits were added (not ones already owned), before availability is signalled. */
  protected onSplitsAdded(_added: readonly State[]): void {}
  /** After a split left the reader's state through `finishSplit`. */
  protected onSplitFinished(_splitId: string, _state: State): void {}
  /** Releases the reader's resources; the reader is already marked closed. */
  protected async onClose(): Promise<void> {}

  async start(): Promise<void> {}

  addSplits(splits: readonly Split[]): void {
    const added: State[] = [];
    for (const split of splits) {
      if (this.owned.has(split.splitId)) {
        this.log.warn({ split: split.splitId }, 'split assigned twice; keeping the first');
        continue;
      }
      const state = this.initSplitState(split);
      this.owned.set(split.splitId, state);
      added.push(state);
    }
    this.log.debug({ splits: splits.map((split) => split.splitId) }, 'splits assigned');
    this.onSplitsAdded(added);
    this.notifyAvailable();
  }

  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
    this.notifyAvailable();
  }

  async pollNext(maxRecords: number): Promise<PollResult> {
    const max = Math.max(1, maxRecords);
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      if (this.endOfInput) return END;
      if (this.closed || this.owned.size === 0) return NOTHING;
      const finishedBefore = this.finishedCount;
      const records = await this.readRecords(max);
      if (records.length > 0) return { status: 'records', records };
      // a split ended: the next one may have records at once, or the input may have ended
      if (this.finishedCount === finishedBefore) return NOTHING;
    }
  }

  isAvailable(): Promise<void> {
    if (this.failure !== undefined || this.closed || this.endOfInput) return Promise.resolve();
    const when = this.owned.size === 0 ? Infinity : this.whenAvailable();
    if (typeof when !== 'number') return when;
    if (when <= 0) return Promise.resolve();
    if (Number.isFinite(when)) this.wakeTimer ??= setTimeout(() => this.notifyAvailable(), when);
    return this.available.wait();
  }

  snapshotState(_checkpointId: number): Split[] {
    return [...this.owned.values()].map((state) => this.toSplit(state));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.notifyAvailable();
    await this.onClose();
  }

  /** The splits the reader owns, in assignment order. */
  protected get splits(): ReadonlyMap<string, State> {
    return this.owned;
  }

  /** The first split owned: the one being read by a reader that reads its splits one after the other. */
  protected get currentSplit(): State | undefined {
    return this.owned.values().next().value;
  }

  protected get isClosed(): boolean {
    return this.closed;
  }

  /** True once no more splits will come and every split finished. */
  protected get endOfInput(): boolean {
    return this.noMoreSplits && this.owned.size === 0;
  }

  /** The split was read to its end: it leaves the reader's state (and its checkpoints). */
  protected finishSplit(splitId: string): void {
    const state = this.owned.get(splitId);
    if (state === undefined) return;
    this.owned.delete(splitId);
    this.finishedCount += 1;
    this.onSplitFinished(splitId, state);
    this.notifyAvailable();
  }

  /** A background task of the reader failed: the next `pollNext` throws `error` (the first one reported). */
  protected reportFailure(error: Error): void {
    this.failure ??= error;
    this.notifyAvailable();
  }

  /** `pollNext` may have records (or end of input) now: resolves the pending `isAvailable()`. */
  protected notifyAvailable(): void {
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.available.notify();
  }
}
