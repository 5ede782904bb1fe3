import { type InitContext, type LockstepRecord, SourceReaderBase } from '../../core/sdk';
import { FileLineCursor } from './file-line-cursor';
import type { FileSplit } from './file-split';

/** A file being read: its split, and the open cursor once reading started. */
interface FileSplitState {
  readonly split: FileSplit;
  cursor?: FileLineCursor;
}

/**
 * Reads the files assigned to one subtask, one after the other in the order they were assigned, each line a record
 * whose value is the line's text (a `json` transform parses it) and whose origin is `<path>:<line>`. A file read to
 * its end leaves the reader's state.
 */
export class FileSourceReader extends SourceReaderBase<FileSplit, FileSplitState> {
  constructor(
    init: InitContext,
    private readonly chunkBytes: number,
  ) {
    super(init.log);
  }

  protected initSplitState(split: FileSplit): FileSplitState {
    return { split };
  }

  protected toSplit({ split, cursor }: FileSplitState): FileSplit {
    return cursor === undefined ? { ...split } : { ...split, offset: cursor.offset, line: cursor.line };
  }

  protected async readRecords(max: number): Promise<LockstepRecord[]> {
    const state = this.currentSplit as FileSplitState;
    const { split } = state;
    state.cursor ??= await FileLineCursor.open(split.path, split.offset, split.line, this.chunkBytes);
    const lines = await state.cursor.readLines(max);
    if (lines.length > 0) return lines.map(({ text, line }) => ({ value: text, origin: `${split.path}:${line}` }));
    this.log.debug({ path: split.path, lines: state.cursor.line }, 'input file read to its end');
    await this.closeCursor(state);
    this.finishSplit(split.splitId);
    return [];
  }

  protected whenAvailable(): number {
    return 0;
  }

  protected override async onClose(): Promise<void> {
    const state = this.currentSplit;
    if (state !== undefined) await this.closeCursor(state);
  }

  private async closeCursor(state: FileSplitState): Promise<void> {
    const { cursor } = state;
    state.cursor = undefined;
    await cursor?.close();
  }
}
