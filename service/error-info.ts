import { LockstepError } from '../core/errors';

/** A pipeline's last error as the status shows it: message, code, time, and its causes down the chain. */
export interface ErrorInfo {
  readonly message: string;
  readonly code?: string;
  readonly at: string;
  readonly causes: readonly { readonly message: string; readonly code?: string }[];
}

/** The error and up to five causes (`LockstepError.cause`, `Error.cause`); messages of lockstep never hold secrets. */
export function describeError(error: unknown): ErrorInfo {
  const causes: { message: string; code?: string }[] = [];
  let cause = (error as { cause?: unknown } | undefined)?.cause;
  while (cause !== undefined && cause !== null && causes.length < 5) {
    causes.push(oneError(cause));
    cause = (cause as { cause?: unknown }).cause;
  }
  return { ...oneError(error), at: new Date().toISOString(), causes };
}

function oneError(error: unknown): { message: string; code?: string } {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof LockstepError ? error.code : (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? { message, code } : { message };
}
