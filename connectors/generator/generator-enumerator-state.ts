import type { GeneratorSplit } from './generator-split';

/** What the generator's enumerator checkpoints: the splits it holds and has not assigned yet. */
export interface GeneratorEnumeratorState {
  readonly unassigned: readonly GeneratorSplit[];
}
