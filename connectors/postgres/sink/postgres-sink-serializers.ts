import { asObject, invalidState, stringField, unknownStateVersion, type VersionedSerializer } from '../../../core/sdk';
import { MAX_GID_BYTES } from './postgres-gids';

/** What a Postgres exactly-once writer pre-commits: the prepared transaction's gid. */
export interface PostgresCommittable {
  readonly gid: string;
}

const COMMITTABLE = 'postgres sink committable';

/** Postgres committable. Version 1: `{ gid }`. */
export class PostgresCommittableSerializer implements VersionedSerializer<PostgresCommittable> {
  readonly version = 1;

  serialize(committable: PostgresCommittable): unknown {
    return { gid: committable.gid };
  }

  deserialize(version: number, data: unknown): PostgresCommittable {
    if (version !== 1) throw unknownStateVersion(COMMITTABLE, version, [1]);
    const gid = stringField(COMMITTABLE, asObject(COMMITTABLE, data), 'gid');
    if (gid === '' || Buffer.byteLength(gid) > MAX_GID_BYTES) throw invalidState(COMMITTABLE, `gid must be 1 to ${MAX_GID_BYTES} bytes`);
    return { gid };
  }
}
