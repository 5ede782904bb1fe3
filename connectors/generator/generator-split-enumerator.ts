import type { Logger } from 'pino';
import type { SplitEnumerator, SplitEnumeratorContext } from '../../core/sdk';
import type { GeneratorEnumeratorState } from './generator-enumerator-state';
import { initialGeneratorSplit, type GeneratorSplit } from './generator-split';

/**
 * Creates one stripe per reader subtask on a fresh start and assigns stripe i to subtask i; a restored enumerator
 * assigns only what its state still holds (the rest is restored with the readers). Then signals no more splits: the
 * set of stripes never changes.
 */
export class GeneratorSplitEnumerator implements SplitEnumerator<GeneratorSplit, GeneratorEnumeratorState> {
  private unassigned: GeneratorSplit[];

  /** `restored` is the checkpointed state; without it the stripes are created here (no I/O). */
  constructor(
    private readonly context: SplitEnumeratorContext<GeneratorSplit>,
    private readonly log: Logger,
    restored?: GeneratorEnumeratorState,
  ) {
    const stripes = context.parallelism;
    this.unassigned =
      restored === undefined
        ? Array.from({ length: stripes }, (_, stripe) => initialGeneratorSplit(stripe, stripes))
        : [...restored.unassigned];
  }

  async start(): Promise<void> {
    const splits = this.unassigned.splice(0);
    for (const split of splits) this.context.assignSplits(split.stripe % this.context.parallelism, [split]);
    for (let subtask = 0; subtask < this.context.parallelism; subtask += 1) this.context.signalNoMoreSplits(subtask);
    this.log.debug({ assigned: splits.length }, 'generator stripes assigned');
  }

  addSplitsBack(splits: readonly GeneratorSplit[], subtask: number): void {
    // the API has no "reader registered" callback: hand them straight back; the engine delivers them to the new reader
    this.context.assignSplits(subtask, splits);
    this.context.signalNoMoreSplits(subtask);
  }

  snapshotState(_checkpointId: number): GeneratorEnumeratorState {
    return { unassigned: [...this.unassigned] };
  }

  async close(): Promise<void> {}
}
