import type { Logger } from 'pino';
import type { SplitEnumerator, SplitEnumeratorContext } from '../../core/sdk';
import type { FileEnumeratorState } from './file-enumerator-state';
import { listInputFiles } from './file-listing';
import { initialFileSplit, type FileSplit } from './file-split';

/**
 * Lists the input once (at `start`, never in the constructor: plugins' `create` does no I/O), spreads the files over
 * the reader subtasks round-robin in name order, then signals no more splits: the input is bounded. A restored
 * enumerator does not list again; it assigns only the splits its state still holds.
 */
export class FileSplitEnumerator implements SplitEnumerator<FileSplit, FileEnumeratorState> {
  private discovered: boolean;
  private unassigned: FileSplit[];

  constructor(
    private readonly context: SplitEnumeratorContext<FileSplit>,
    private readonly input: { readonly path: string; readonly pattern: string | undefined },
    private readonly log: Logger,
    restored?: FileEnumeratorState,
  ) {
    this.discovered = restored?.discovered ?? false;
    this.unassigned = [...(restored?.unassigned ?? [])];
  }

  async start(): Promise<void> {
    if (!this.discovered) {
      const files = await listInputFiles(this.input.path, this.input.pattern);
      this.unassigned.push(...files.map(initialFileSplit));
      this.discovered = true;
      this.log.info({ path: this.input.path, files: files.length }, 'input files listed');
    }
    const splits = this.unassigned.splice(0);
    splits.forEach((split, index) => this.context.assignSplits(index % this.context.parallelism, [split]));
    for (let subtask = 0; subtask < this.context.parallelism; subtask += 1) this.context.signalNoMoreSplits(subtask);
  }

  addSplitsBack(splits: readonly FileSplit[], subtask: number): void {
    // the API has no "reader registered" callback: hand them straight back; the engine delivers them to the new reader
    this.context.assignSplits(subtask, splits);
    this.context.signalNoMoreSplits(subtask);
  }

  snapshotState(_checkpointId: number): FileEnumeratorState {
    return { discovered: this.discovered, unassigned: [...this.unassigned] };
  }

  async close(): Promise<void> {}
}
