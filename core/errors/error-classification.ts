import { errorFacts, type ErrorFacts } from './error-codes';
import { LockstepError } from './lockstep-error';

/** The catalogued facts of `error`: those of its code, or of `LS_UNKNOWN` for an error without a known lockstep code. */
export function factsOf(error: unknown): ErrorFacts {
  const code = (error as { code?: unknown } | null)?.code;
  return (typeof code === 'string' ? errorFacts(code) : undefined) ?? (errorFacts('LS_UNKNOWN') as ErrorFacts);
}

/** The first error in `error`'s cause chain (itself included) whose code is fatal, or undefined. */
export function fatalErrorIn(error: unknown): LockstepError | undefined {
  const seen = new Set<unknown>();
  for (let current = error; current !== undefined && current !== null && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    if (LockstepError.is(current) && errorFacts(current.code)?.fatal === true) return current;
  }
  return undefined;
}

/**
 * Whether a restart from the last completed checkpoint may get past `error`: never when a fatal code is anywhere in
 * its cause chain; a LockstepError with a catalogued code as its `retriable` says; any other error as the catalogue
 * says of `LS_UNKNOWN` (retriable: connectors pass some driver errors through unmapped, a lost connection among them,
 * and the restart strategy caps the attempts). A driver error that merely looks like a LockstepError (kafkajs' carry a
 * string `code` and `retriable`) counts as unknown.
 */
export function isRetriable(error: unknown): boolean {
  if (fatalErrorIn(error) !== undefined) return false;
  if (LockstepError.is(error) && errorFacts(error.code) !== undefined) return error.retriable;
  return factsOf(error).retriable === 'yes';
}
