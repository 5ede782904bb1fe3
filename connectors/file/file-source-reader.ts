import { AvailabilitySignal, type InitContext, type PollResult, type SourceReader } from '../../core/sdk';
import { FileLineCursor } from './file-line-cursor';
import type { FileSplit } from './file-split';

/**
 * Reads the files assigned to one subtask, one after the other in the order they were assigned, each line a record
 * whose value is the line's text (a `json` transform parses it) and whose origin is `<path>:<line>`. A file read to
 * its end leaves the reader's state.
 */
export class FileSourceReader implements SourceReader<FileSplit> {
  /** Splits not finished, in reading order; the first one is being read when `cursor` is set. */
  private readonly splits: FileSplit[] = [];
  private cursor: FileLineCursor | undefined;
  private noMoreSplits = false;
  private readonly available = new AvailabilitySignal();

  constructor(
    private readonly init: InitContext,
    private readonly chunkBytes: number,
  ) {}

  async start(): Promise<void> {}

  addSplits(splits: readonly FileSplit[]): void {
    this.splits.push(...splits);
    this.notify();
  }

  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
    this.notify();
  }

  async pollNext(maxRecords: number): Promise<PollResult> {
    for (;;) {
      const split = this.splits[0];
      if (split === undefined) return this.noMoreSplits ? { status: 'end-of-input' } : { status: 'nothing-available' };
      this.cursor ??= await FileLineCursor.open(split.path, split.offset, split.line, this.chunkBytes);
      const lines = await this.cursor.readLines(Math.max(1, maxRecords));
      if (lines.length > 0) {
        const records = lines.map(({ text, line }) => ({ value: text, origin: `${split.path}:${line}` }));
        return { status: 'records', records };
      }
      this.init.log.debug({ path: split.path, lines: this.cursor.line }, 'input file read to its end');
      await this.closeCursor();
      this.splits.shift();
    }
  }

  isAvailable(): Promise<void> {
    if (this.splits.length > 0 || this.noMoreSplits) return Promise.resolve();
    return this.available.wait();
  }

  snapshotState(_checkpointId: number): FileSplit[] {
    const { cursor } = this;
    return this.splits.map((split, index) =>
      index === 0 && cursor !== undefined ? { ...split, offset: cursor.offset, line: cursor.line } : { ...split },
    );
  }

  async close(): Promise<void> {
    await this.closeCursor();
    this.notify();
  }

  private async closeCursor(): Promise<void> {
    const { cursor } = this;
    this.cursor = undefined;
    await cursor?.close();
  }

  private notify(): void {
    this.available.notify();
  }
}
