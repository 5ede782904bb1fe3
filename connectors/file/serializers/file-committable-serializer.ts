import { asObject, stringField, unknownStateVersion, type VersionedSerializer } from '../../../core/sdk';
import type { FileCommittable } from '../file-committable';

const WHAT = 'file sink committable';

/** File sink committable. Version 1: `{ pendingPath, finalPath }` (absolute paths). */
export class FileCommittableSerializer implements VersionedSerializer<FileCommittable> {
  readonly version = 1;

  serialize(committable: FileCommittable): unknown {
    return { pendingPath: committable.pendingPath, finalPath: committable.finalPath };
  }

  deserialize(version: number, data: unknown): FileCommittable {
    if (version !== 1) throw unknownStateVersion(WHAT, version, [1]);
    const object = asObject(WHAT, data);
    return { pendingPath: stringField(WHAT, object, 'pendingPath'), finalPath: stringField(WHAT, object, 'finalPath') };
  }
}
