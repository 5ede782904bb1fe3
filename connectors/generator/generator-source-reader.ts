import type { Logger } from 'pino';
import {
  AvailabilitySignal,
  type InitContext,
  type LockstepRecord,
  type PollResult,
  type RateLimiter,
  type SourceReader,
} from '../../core/sdk';
import { generatorRecord } from './generator-record';
import type { GeneratorSplit } from './generator-split';

/** What a generator reader needs besides its init context. */
export interface GeneratorReaderOptions {
  /** Seqs are emitted while < count; undefined: forever. */
  readonly count: number | undefined;
  readonly payloadBytes: number;
  /** This reader's share of the configured rate; undefined: unthrottled. */
  readonly limiter: RateLimiter | undefined;
}

interface StripePosition {
  readonly splitId: string;
  readonly stripe: number;
  readonly stripes: number;
  nextSeq: number;
}

/**
 * Emits the stripes assigned to one subtask, one record per stripe in turn. A stripe that reached `count` is
 * finished and leaves the reader's state; the reader ends when it has no stripe left and was told no more come.
 */
export class GeneratorSourceReader implements SourceReader<GeneratorSplit> {
  private readonly stripes: StripePosition[] = [];
  private readonly padding: string;
  private noMoreSplits = false;
  private turn = 0;
  private readonly available = new AvailabilitySignal();
  private timer: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(
    private readonly options: GeneratorReaderOptions,
    init: InitContext,
  ) {
    this.padding = 'x'.repeat(options.payloadBytes);
    this.log = init.log;
  }

  async start(): Promise<void> {}

  addSplits(splits: readonly GeneratorSplit[]): void {
    for (const split of splits) this.stripes.push({ ...split });
    this.log.debug({ splits: splits.map((split) => split.splitId) }, 'generator splits added');
    this.notify();
  }

  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
    this.notify();
  }

  async pollNext(maxRecords: number): Promise<PollResult> {
    this.dropFinished();
    if (this.stripes.length === 0) {
      return this.noMoreSplits ? { status: 'end-of-input' } : { status: 'nothing-available' };
    }
    const allowed = this.options.limiter === undefined ? maxRecords : this.options.limiter.take(maxRecords);
    if (allowed === 0) return { status: 'nothing-available' };
    const records: LockstepRecord[] = [];
    while (records.length < allowed && this.stripes.length > 0) {
      this.turn %= this.stripes.length;
      const stripe = this.stripes[this.turn] as StripePosition;
      records.push(generatorRecord(stripe.nextSeq, this.padding));
      stripe.nextSeq += stripe.stripes;
      this.turn += 1;
      this.dropFinished();
    }
    return { status: 'records', records };
  }

  isAvailable(): Promise<void> {
    if (this.stripes.length === 0 && !this.noMoreSplits) return this.waitForNotify();
    const wait = this.options.limiter?.msUntilNext() ?? 0;
    if (wait === 0) return Promise.resolve();
    const promise = this.waitForNotify();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.notify(), wait);
    return promise;
  }

  snapshotState(_checkpointId: number): GeneratorSplit[] {
    // copies: the engine may serialize the snapshot later, while this reader keeps counting
    return this.stripes.map(({ splitId, stripe, stripes, nextSeq }) => ({ splitId, stripe, stripes, nextSeq }));
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.notify();
  }

  private dropFinished(): void {
    const { count } = this.options;
    if (count === undefined) return;
    for (let i = this.stripes.length - 1; i >= 0; i -= 1) {
      if ((this.stripes[i] as StripePosition).nextSeq >= count) this.stripes.splice(i, 1);
    }
  }

  private waitForNotify(): Promise<void> {
    return this.available.wait();
  }

  private notify(): void {
    this.available.notify();
  }
}
