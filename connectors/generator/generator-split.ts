import type { SourceSplit } from '../../core/sdk';

/**
 * One stripe of the sequence: stripe i of `stripes` emits seq i, i+stripes, i+2·stripes, … The state is the next seq
 * to emit, so a restore continues exactly after the last record read before the checkpoint.
 */
export interface GeneratorSplit extends SourceSplit {
  readonly stripe: number;
  readonly stripes: number;
  /** The next seq this stripe emits (≡ stripe mod stripes). */
  readonly nextSeq: number;
}

/** The split of stripe `stripe` of `stripes`, at its first seq. */
export function initialGeneratorSplit(stripe: number, stripes: number): GeneratorSplit {
  return { splitId: `stripe-${stripe}-of-${stripes}`, stripe, stripes, nextSeq: stripe };
}
