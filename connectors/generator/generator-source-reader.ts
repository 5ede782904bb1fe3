import { type InitContext, type LockstepRecord, type RateLimiter, SourceReaderBase } from '../../core/sdk';
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
export class GeneratorSourceReader extends SourceReaderBase<GeneratorSplit, StripePosition> {
  private readonly padding: string;
  private turn = 0;

  constructor(
    private readonly options: GeneratorReaderOptions,
    init: InitContext,
  ) {
    super(init.log);
    this.padding = 'x'.repeat(options.payloadBytes);
  }

  protected initSplitState(split: GeneratorSplit): StripePosition {
    return { ...split };
  }

  protected toSplit({ splitId, stripe, stripes, nextSeq }: StripePosition): GeneratorSplit {
    // a copy: the engine may serialize the snapshot later, while this reader keeps counting
    return { splitId, stripe, stripes, nextSeq };
  }

  protected async readRecords(max: number): Promise<LockstepRecord[]> {
    const stripes = [...this.splits.values()].filter((stripe) => !this.finishIfDone(stripe));
    if (stripes.length === 0) return [];
    const allowed = this.options.limiter === undefined ? max : this.options.limiter.take(max);
    const records: LockstepRecord[] = [];
    while (records.length < allowed && stripes.length > 0) {
      this.turn %= stripes.length;
      const stripe = stripes[this.turn] as StripePosition;
      records.push(generatorRecord(stripe.nextSeq, this.padding));
      stripe.nextSeq += stripe.stripes;
      this.turn += 1;
      if (this.finishIfDone(stripe)) stripes.splice(this.turn - 1, 1);
    }
    return records;
  }

  protected whenAvailable(): number {
    return this.options.limiter?.msUntilNext() ?? 0;
  }

  /** A stripe that reached `count` leaves the reader's state; returns whether it did. */
  private finishIfDone(stripe: StripePosition): boolean {
    const { count } = this.options;
    if (count === undefined || stripe.nextSeq < count) return false;
    this.finishSplit(stripe.splitId);
    return true;
  }
}
