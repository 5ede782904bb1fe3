/**
 * lockstep's stderr: log lines and one status line (the progress line on a terminal) that never interleave. A log line
 * first erases the status line, then the status line is drawn again below it. Off a terminal there is no status line
 * and every write passes through unchanged.
 */
export class Terminal {
  private status = '';

  constructor(readonly stream: NodeJS.WritableStream & { readonly isTTY?: boolean }) {}

  /** True when the stream is a terminal (colours, a progress line, pretty logs by default). */
  get isTTY(): boolean {
    return this.stream.isTTY === true;
  }

  /** Writes text (one or more whole lines) above the status line. */
  write(text: string): void {
    if (this.status === '') {
      this.stream.write(text);
      return;
    }
    this.stream.write(`\r\x1b[K${text}${text.endsWith('\n') ? '' : '\n'}${this.status}`);
  }

  /** Replaces the status line (a terminal only; ignored elsewhere). */
  setStatus(line: string): void {
    if (!this.isTTY) return;
    this.status = line;
    this.stream.write(`\r\x1b[K${line}`);
  }

  /** Ends the status line: it stays on screen as the last state and later output starts on a new line. */
  endStatus(): void {
    if (this.status === '') return;
    this.status = '';
    this.stream.write('\n');
  }
}
