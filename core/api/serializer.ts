/**
 * Turns a persisted shape (split state, writer state, committable, enumerator state) into JSON-safe data and back.
 * `version` is written beside the data; `deserialize` must keep reading every version it ever wrote, so a checkpoint
 * taken by an older lockstep restores in a newer one.
 */
export interface VersionedSerializer<T> {
  /** Version written by `serialize`; bump it whenever the shape changes. */
  readonly version: number;
  serialize(value: T): unknown;
  /** @throws LockstepError `LS_STATE_VERSION` for a version it does not know. */
  deserialize(version: number, data: unknown): T;
}

/** A value as persisted in a checkpoint record: the serializer version beside the JSON data. */
export interface Versioned {
  readonly version: number;
  readonly data: unknown;
}
