import type { InitContext } from './init-context';
import type { LockstepRecord } from './record';
import type { VersionedSerializer } from './serializer';

/**
 * A per-record operator chained after a source reader, in the same subtask. `process` returns the records to emit
 * (none to drop one, several to split one). A record it cannot handle is reported by throwing a `RecordError`,
 * which the pipeline's error policy handles (fail, skip, dead-letter).
 *
 * Call order: `open()`, `restoreState` when the checkpoint has state for it, `process` per record, `snapshotState(n)`
 * at barrier n (stateful transforms only), `close()` last.
 */
export interface Transform<State = unknown> {
  open?(): Promise<void>;
  process(record: LockstepRecord): LockstepRecord[] | Promise<LockstepRecord[]>;
  snapshotState?(checkpointId: number): State;
  restoreState?(state: State): void;
  readonly stateSerializer?: VersionedSerializer<State>;
  close?(): Promise<void>;
}

/** Creates a transform per subtask. */
export type TransformFactory = (init: InitContext) => Transform;
