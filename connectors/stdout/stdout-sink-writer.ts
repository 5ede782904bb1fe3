import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { LockstepRecord, SinkWriter } from '../../core/sdk';
import { formatLines, type LineFormat } from '../file/line-format';

/**
 * Prints records as lines, one `write` call per batch so that lines of parallel subtasks never mix within a line.
 * Waits for `drain` when the stream's buffer is full, so a slow consumer of stdout holds the pipeline back instead of
 * filling memory.
 */
export class StdoutSinkWriter implements SinkWriter {
  constructor(
    private readonly out: Writable,
    private readonly format: LineFormat,
  ) {}

  async init(): Promise<void> {}

  async write(records: readonly LockstepRecord[]): Promise<void> {
    const { text, error } = formatLines(records, this.format, 'LS_STDOUT');
    if (text.length > 0 && !this.out.write(text)) await once(this.out, 'drain');
    if (error !== undefined) throw error;
  }

  /** At-least-once needs no more than the stream accepting the lines, which `write` already waited for. */
  async flush(_endOfInput: boolean): Promise<void> {
    if (this.out.writableNeedDrain) await once(this.out, 'drain');
  }

  /** Leaves the stream open: it is the process's standard output, shared by every writer. */
  async close(): Promise<void> {}
}
