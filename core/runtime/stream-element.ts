import type { LockstepRecord } from '../api/record';
import type { CheckpointKind } from '../checkpoint/checkpoint-record';

/** A record that failed a transform or a sink, on its way to the dead-letter sink. */
export interface DeadLetter {
  readonly record: LockstepRecord;
  readonly error: Error;
  /** Component that refused it. */
  readonly componentId: string;
}

/** What flows through a channel between tasks. Barriers and `end` never overtake records (FIFO). */
export type StreamElement =
  | { readonly kind: 'records'; readonly records: readonly LockstepRecord[] }
  | { readonly kind: 'barrier'; readonly checkpointId: number; readonly checkpointKind: CheckpointKind }
  /** The producer finished: no more elements on this channel. Always follows a final or savepoint barrier. */
  | { readonly kind: 'end' };
