import type { VersionedSerializer } from '../api/serializer';

/** `value` after a trip through `serializer` and JSON text, the way a checkpoint store persists it. */
export function roundTrip<T>(serializer: VersionedSerializer<T>, value: T): T {
  const persisted = JSON.parse(JSON.stringify({ version: serializer.version, data: serializer.serialize(value) })) as {
    version: number;
    data: unknown;
  };
  return serializer.deserialize(persisted.version, persisted.data);
}

/** The error `serializer` throws for data of a version it never wrote (undefined when it does not throw). */
export function unknownVersionError<T>(serializer: VersionedSerializer<T>, value: T): unknown {
  try {
    serializer.deserialize(serializer.version + 1000, serializer.serialize(value));
    return undefined;
  } catch (error) {
    return error;
  }
}
