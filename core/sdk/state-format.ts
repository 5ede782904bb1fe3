import { LockstepError } from '../errors';

/** The error for persisted state of a version this lockstep never wrote (a checkpoint from a newer lockstep). */
export function unknownStateVersion(what: string, version: number, known: readonly number[]): LockstepError {
  return new LockstepError(`${what} of version ${version} cannot be read (known versions: ${known.join(', ')})`, {
    code: 'LS_STATE_VERSION',
    context: { state: what, version },
  });
}

/** The error for persisted state that does not have the shape its version promises (a damaged checkpoint). */
export function invalidState(what: string, problem: string): LockstepError {
  return new LockstepError(`${what} in the checkpoint is damaged: ${problem}`, {
    code: 'LS_STATE_INVALID',
    context: { state: what },
  });
}

/** The object `data` is, or an {@link invalidState} error. */
export function asObject(what: string, data: unknown): Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalidState(what, 'not an object');
  return data as Record<string, unknown>;
}

/** `field` of `data` as a non-negative safe integer, or an {@link invalidState} error. */
export function naturalField(what: string, data: Record<string, unknown>, field: string): number {
  const value = data[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidState(what, `${field} is not a non-negative integer`);
  }
  return value;
}

/** `field` of `data` as a string, or an {@link invalidState} error. */
export function stringField(what: string, data: Record<string, unknown>, field: string): string {
  const value = data[field];
  if (typeof value !== 'string') throw invalidState(what, `${field} is not a string`);
  return value;
}
