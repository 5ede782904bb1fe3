import type { FileSplit } from './file-split';

/**
 * What the file enumerator checkpoints: whether it listed the input already (a restored enumerator must not list it
 * again: the files it found are with the readers) and the splits it has not assigned yet.
 */
export interface FileEnumeratorState {
  readonly discovered: boolean;
  readonly unassigned: readonly FileSplit[];
}
