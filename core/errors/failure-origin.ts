/**
 * Which pipeline component a failure came from, recorded by the runtime where it catches the failure (a reader or
 * writer task, an enumerator, a committer), so that the runner's one-line messages can name the connector
 * (`kafka source 'orders'`) whatever the error's own message says.
 */
export interface FailureOrigin {
  readonly role: 'source' | 'sink';
  /** The component's id in the pipeline config. */
  readonly id: string;
}

const origins = new WeakMap<object, FailureOrigin>();

/** Records that `error` came from `origin`; the first record wins (the innermost catcher knows best). Returns `error`. */
export function tagFailureOrigin<T>(error: T, origin: FailureOrigin): T {
  if (typeof error === 'object' && error !== null && !origins.has(error)) origins.set(error, origin);
  return error;
}

/** Where `error`, or the first tagged error in its cause chain, came from. */
export function failureOriginOf(error: unknown): FailureOrigin | undefined {
  const seen = new Set<unknown>();
  for (let current = error; typeof current === 'object' && current !== null && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    const origin = origins.get(current);
    if (origin !== undefined) return origin;
  }
  return undefined;
}
