import type { Versioned } from '../api/serializer';

/** What a reader task acknowledges for a checkpoint: its split states and its chained transforms' states. */
export interface ReaderSnapshot {
  readonly kind: 'reader';
  readonly sourceId: string;
  readonly subtask: number;
  readonly splits: readonly Versioned[];
  readonly transformStates: Readonly<Record<string, Versioned>>;
  /** True once the reader reached the end of its input. */
  readonly finished: boolean;
}

/** What a writer task acknowledges: the committables it pre-committed for the checkpoint and its state. */
export interface WriterSnapshot {
  readonly kind: 'writer';
  readonly sinkId: string;
  readonly subtask: number;
  readonly committables: readonly Versioned[];
  readonly writerState?: Versioned;
}

export type TaskSnapshot = ReaderSnapshot | WriterSnapshot;

/** Stable id of a reader task, used for acknowledgements. */
export function readerTaskId(sourceId: string, subtask: number): string {
  return `source:${sourceId}#${subtask}`;
}

/** Stable id of a writer task, used for acknowledgements. */
export function writerTaskId(sinkId: string, subtask: number): string {
  return `sink:${sinkId}#${subtask}`;
}

/** The id of the task that acknowledged `snapshot`. */
export function taskId(snapshot: TaskSnapshot): string {
  return snapshot.kind === 'reader' ? readerTaskId(snapshot.sourceId, snapshot.subtask) : writerTaskId(snapshot.sinkId, snapshot.subtask);
}
