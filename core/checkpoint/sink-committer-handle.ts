import type { Committer } from '../api/committer';
import type { VersionedSerializer } from '../api/serializer';

/** A sink's committer with the serializer of its committables, as the coordinator uses them. */
export interface SinkCommitterHandle {
  readonly sinkId: string;
  readonly committer: Committer<unknown>;
  readonly serializer: VersionedSerializer<unknown>;
}
