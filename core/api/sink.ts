import type { Committer } from './committer';
import type { ExactlyOnceMechanism, SinkGuarantee } from './guarantee';
import type { InitContext, SinkWriterInitContext } from './init-context';
import type { VersionedSerializer } from './serializer';
import type { SinkWriter } from './sink-writer';

/**
 * A sink: factory of writers (one per subtask) and, for two-phase commit, of the committer.
 *
 * Call order at start: `createCommitter` (when `committableSerializer` is set) and recovery commits, then
 * `createWriter` per subtask with the writer state restored for that subtask (if any).
 */
export interface Sink<Committable = unknown, WriterState = unknown> {
  readonly guarantee: SinkGuarantee;
  /** How exactly-once is kept; undefined for at-least-once sinks. */
  readonly mechanism?: ExactlyOnceMechanism;
  createWriter(init: SinkWriterInitContext, restoredState: WriterState | undefined): SinkWriter;
  createCommitter?(init: InitContext): Committer<Committable>;
  readonly committableSerializer?: VersionedSerializer<Committable>;
  readonly writerStateSerializer?: VersionedSerializer<WriterState>;
}
