import { errorFacts, type LockstepErrorCode } from './error-codes';

/** Facts every lockstep error carries, beyond the message. */
export interface LockstepErrorOptions {
  /** Stable machine-readable code, `LS_<AREA>_<WHAT>` (e.g. `LS_CONFIG_INVALID`), from the catalogue in error-codes.ts. */
  readonly code: LockstepErrorCode;
  /**
   * True when retrying the same operation may succeed (connection loss, timeouts, broker re-elections). Defaults to
   * the code's catalogued fact (false for `by-cause` codes); a fatal code is never retriable.
   */
  readonly retriable?: boolean;
  readonly cause?: unknown;
  /** The pipeline, connector or record the error concerns, for logs and the CLI. */
  readonly context?: Readonly<Record<string, string | number | undefined>>;
}

/** The one base class of lockstep's errors: a stable `code`, whether it is `retriable`, the `cause` and context. */
export class LockstepError extends Error {
  readonly code: LockstepErrorCode;
  readonly retriable: boolean;
  readonly context: Readonly<Record<string, string | number | undefined>>;

  constructor(message: string, options: LockstepErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LockstepError';
    this.code = options.code;
    const facts = errorFacts(options.code);
    this.retriable = facts?.fatal !== true && (options.retriable ?? facts?.retriable === 'yes');
    this.context = options.context ?? {};
  }

  /** True for any LockstepError, also one thrown by another copy of this module. */
  static is(error: unknown): error is LockstepError {
    if (error instanceof LockstepError) return true;
    // Duck-typed for errors thrown by another copy of this module (a user's module transform, a plugin package).
    return error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && 'retriable' in error;
  }
}
