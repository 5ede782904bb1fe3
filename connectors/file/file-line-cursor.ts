import { open, type FileHandle } from 'node:fs/promises';
import { LockstepError } from '../../core/sdk';
import { mapFileError } from './error-mapping';

/** One line read from a file, with its 1-based number. */
export interface FileLine {
  readonly text: string;
  readonly line: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Reads the lines of one file from a byte offset through a file handle, one chunk at a time: memory holds one chunk
 * plus the line being assembled, whatever the file's size. `offset` and `line` always describe the position after the
 * last line returned, which is what a checkpoint stores. Blank lines are skipped but counted; `\r\n` endings and a
 * UTF-8 byte-order mark at the start are dropped; a last line without a newline is still a line.
 */
export class FileLineCursor {
  private pending: Buffer = Buffer.alloc(0);
  /** Bytes of `pending` already searched for a newline (none found). */
  private searched = 0;
  private readPosition: number;
  private endOfFile = false;

  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    public offset: number,
    public line: number,
    private readonly chunkBytes: number,
  ) {
    this.readPosition = offset;
  }

  /**
   * Opens `path` at `offset`. @throws LockstepError `LS_FILE_CHANGED` when the file is now shorter than `offset` (it
   * was replaced or truncated since the checkpoint: resuming would read something else), `LS_FILE_NOT_FOUND` etc.
   */
  static async open(path: string, offset: number, line: number, chunkBytes: number): Promise<FileLineCursor> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      throw mapFileError(error, 'open input', path);
    }
    const { size } = await handle.stat();
    if (size < offset) {
      await handle.close();
      const message = `input ${path} has ${size} bytes but was read up to byte ${offset}: it changed since then`;
      throw new LockstepError(message, { code: 'LS_FILE_CHANGED', context: { path, offset, size } });
    }
    return new FileLineCursor(handle, path, offset, line, chunkBytes);
  }

  /** Up to `max` next non-blank lines; an empty list at the end of the file. */
  async readLines(max: number): Promise<FileLine[]> {
    const lines: FileLine[] = [];
    while (lines.length < max) {
      const newline = this.pending.indexOf(NEWLINE, this.searched);
      if (newline >= 0) {
        this.take(this.pending.subarray(0, newline), newline + 1, lines);
        continue;
      }
      this.searched = this.pending.length;
      if (this.endOfFile) {
        if (this.pending.length > 0) this.take(this.pending, this.pending.length, lines);
        break;
      }
      await this.readChunk();
    }
    return lines;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  /** Consumes `consumed` bytes holding `bytes` (the line without its newline) and keeps the line unless blank. */
  private take(bytes: Buffer, consumed: number, into: FileLine[]): void {
    let text = bytes;
    if (this.offset === 0 && text.subarray(0, 3).equals(BOM)) text = text.subarray(3);
    if (text.length > 0 && text[text.length - 1] === CARRIAGE_RETURN) text = text.subarray(0, text.length - 1);
    const decoded = text.toString('utf8');
    this.offset += consumed;
    this.line += 1;
    this.pending = this.pending.subarray(consumed);
    this.searched = 0;
    if (decoded.trim().length > 0) into.push({ text: decoded, line: this.line });
  }

  private async readChunk(): Promise<void> {
    // a line longer than a chunk doubles the read size, so assembling it copies O(length) bytes, not O(length²)
    const size = Math.max(this.chunkBytes, this.pending.length);
    const chunk = Buffer.allocUnsafe(size);
    let bytesRead: number;
    try {
      ({ bytesRead } = await this.handle.read(chunk, 0, size, this.readPosition));
    } catch (error) {
      throw mapFileError(error, 'read input', this.path);
    }
    if (bytesRead === 0) {
      this.endOfFile = true;
      return;
    }
    this.readPosition += bytesRead;
    const fresh = chunk.subarray(0, bytesRead);
    this.pending = this.pending.length === 0 ? fresh : Buffer.concat([this.pending, fresh]);
  }
}
