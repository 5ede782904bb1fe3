import type { SourceSplit } from '../../core/sdk';

/**
 * One input file and how far it was read: `offset` is the byte position of the next unread line and `line` the
 * number of lines before it, so a restore seeks there and keeps numbering lines for `origin`.
 */
export interface FileSplit extends SourceSplit {
  /** Absolute path; also the split id. */
  readonly path: string;
  readonly offset: number;
  readonly line: number;
}

/** The split of `path` at its beginning. */
export function initialFileSplit(path: string): FileSplit {
  return { splitId: path, path, offset: 0, line: 0 };
}
