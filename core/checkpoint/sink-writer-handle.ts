import type { Versioned, VersionedSerializer } from '../api/serializer';
import { supportsWriterState, type CommittingSinkWriter, type SinkWriter } from '../api/sink-writer';

/**
 * A sink writer as the engine (and the conformance harness) drives it at a barrier, with its sink's serializers:
 * after `writer.flush`, `prepareCommit` pre-commits — for a committing sink; a direct sink has nothing to pre-commit —
 * and `snapshotState` takes the writer's own state, both serialized for the checkpoint record.
 */
export interface SinkWriterHandle {
  readonly writer: SinkWriter;
  prepareCommit(checkpointId: number): Promise<Versioned[]>;
  snapshotState(checkpointId: number): Versioned | undefined;
}

/** The pre-committing side of a committing sink's writer. */
export interface CommittingWriter {
  readonly writer: CommittingSinkWriter<unknown>;
  readonly serializer: VersionedSerializer<unknown>;
}

export function sinkWriterHandle(
  writer: SinkWriter,
  committing: CommittingWriter | undefined,
  stateSerializer: VersionedSerializer<unknown> | undefined,
): SinkWriterHandle {
  return {
    writer,
    prepareCommit: async (checkpointId) => {
      if (committing === undefined) return [];
      const { serializer } = committing;
      const prepared = await committing.writer.prepareCommit(checkpointId);
      return prepared.map((committable) => ({ version: serializer.version, data: serializer.serialize(committable) }));
    },
    snapshotState: (checkpointId) => {
      if (stateSerializer === undefined || !supportsWriterState<unknown>(writer)) return undefined;
      return { version: stateSerializer.version, data: stateSerializer.serialize(writer.snapshotState(checkpointId)) };
    },
  };
}
