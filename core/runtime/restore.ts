import type { Versioned, VersionedSerializer } from '../api/serializer';
import type { SourceSplit } from '../api/source-split';
import type { CheckpointRecord } from '../checkpoint/checkpoint-record';

/**
 * The split states reader `subtask` resumes from. With the parallelism of the checkpoint, each subtask gets its own
 * splits back; after a rescale, every split of the source is dealt out round-robin.
 */
export function restoredSplits(
  record: CheckpointRecord | undefined,
  sourceId: string,
  serializer: VersionedSerializer<SourceSplit>,
  subtask: number,
  parallelism: number,
): SourceSplit[] {
  const snapshot = record?.sources[sourceId];
  if (record === undefined || snapshot === undefined) return [];
  const decode = (state: Versioned): SourceSplit => serializer.deserialize(state.version, state.data);
  if (record.parallelism[sourceId] === parallelism) return (snapshot.splits[String(subtask)] ?? []).map(decode);
  const all = Object.keys(snapshot.splits)
    .sort((a, b) => Number(a) - Number(b))
    .flatMap((key) => snapshot.splits[key] ?? []);
  return all.filter((_, index) => index % parallelism === subtask).map(decode);
}

/** The state of transform `transformId` in the reader task `taskName` (`<source>#<subtask>`), if checkpointed. */
export function restoredTransformState(
  record: CheckpointRecord | undefined,
  transformId: string,
  taskName: string,
): Versioned | undefined {
  return record?.transforms[transformId]?.[taskName];
}
