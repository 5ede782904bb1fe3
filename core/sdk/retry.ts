import { delayOrUntil } from './delay';

/**
 * Exponential backoff with jitter, capped: the wait after failed try number `attempt` (1-based) is
 * `min(maxDelayMs, initialDelayMs · multiplier^(attempt-1))`, multiplied by a random factor in [1 - jitter, 1 + jitter].
 */
export interface BackoffPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Growth per try; 2 unless set. */
  readonly multiplier?: number;
  /** 0 … 1; 0 waits exactly the exponential delay. */
  readonly jitter: number;
}

/** Time as {@link retry} sees it; tests inject one that does not wait. */
export interface RetryClock {
  now(): number;
  /** Waits `ms`, or less when one of `until` settles first. */
  delay(ms: number, until: readonly Promise<unknown>[]): Promise<void>;
}

export interface RetryOptions extends Partial<BackoffPolicy> {
  /** Tries in all, the first included. Unlimited when only `deadlineMs` is set, else {@link retryDefaults}'. */
  readonly maxAttempts?: number;
  /** No try starts later than this many ms after the first one (the last wait is cut short to try once at it). */
  readonly deadlineMs?: number;
  /** Whether a failure is worth another try; default: any error not marked `retriable: false`. */
  readonly retryIf?: (error: unknown, attempt: number) => boolean;
  /** Called before each wait (for logging). */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Stops the retries: a wait ends at once and the last error is thrown. */
  readonly signal?: AbortSignal;
  /** Same as `signal`, as a promise that settles when the caller stops (closes). */
  readonly until?: Promise<unknown>;
  readonly random?: () => number;
  readonly clock?: RetryClock;
}

/** What `operation` gets: its 1-based try number, and `bail` to stop retrying and fail with an error at once. */
export interface RetryContext {
  readonly attempt: number;
  readonly bail: (error: unknown) => never;
}

/** Production defaults, in the spirit of kafkajs' retrier: 300 ms doubling to 30 s, ±20 %, 6 tries. */
export const RETRY_DEFAULTS = { initialDelayMs: 300, maxDelayMs: 30_000, multiplier: 2, jitter: 0.2, maxAttempts: 6 } as const;
/** Defaults under test (`NODE_ENV=test`, which jest sets): the same number of tries, 10 ms doubling to 200 ms. */
export const TEST_RETRY_DEFAULTS = { initialDelayMs: 10, maxDelayMs: 200, multiplier: 2, jitter: 0.2, maxAttempts: 6 } as const;

/** The defaults of options left unset: {@link TEST_RETRY_DEFAULTS} when `NODE_ENV` is `test`. */
export function retryDefaults(): typeof RETRY_DEFAULTS | typeof TEST_RETRY_DEFAULTS {
  return process.env.NODE_ENV === 'test' ? TEST_RETRY_DEFAULTS : RETRY_DEFAULTS;
}

/** The wait after failed try number `attempt` (1-based) under `policy`, in whole ms. */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const exponential = policy.initialDelayMs * (policy.multiplier ?? 2) ** Math.max(0, attempt - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  const factor = 1 + policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(capped * factor));
}

const SYSTEM_CLOCK: RetryClock = { now: () => Date.now(), delay: (ms, until) => delayOrUntil(ms, ...until) };

class Bailed {
  constructor(readonly error: unknown) {}
}

function markedRetriable(error: unknown): boolean {
  return (error as { retriable?: unknown } | null)?.retriable !== false;
}

/** Whether the caller stopped the retries; watches `signal` and `until` from the first failure on (not per success). */
class StopWatch {
  private watching: Promise<unknown>[] | undefined;
  private stoppedFlag = false;

  constructor(private readonly options: Pick<RetryOptions, 'signal' | 'until'>) {}

  get stopped(): boolean {
    return this.stoppedFlag || this.options.signal?.aborted === true;
  }

  /** Promises that settle when the caller stops. */
  watch(): Promise<unknown>[] {
    if (this.watching !== undefined) return this.watching;
    const { signal, until } = this.options;
    const stop = (): void => {
      this.stoppedFlag = true;
    };
    this.watching = [];
    if (until !== undefined) this.watching.push(until.then(stop, stop));
    if (signal !== undefined) {
      this.watching.push(new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(stop()), { once: true })));
    }
    return this.watching;
  }
}

/**
 * Runs `operation` until it succeeds; after a failure `retryIf` accepts, waits ({@link backoffDelayMs}) and tries
 * again, until `maxAttempts` tries were made or `deadlineMs` has passed. Throws the last error then, the error of a
 * failure `retryIf` refuses, the error given to `bail`, or — when `signal`/`until` stop it — the last error at once.
 * The first try always runs.
 */
export async function retry<T>(operation: (context: RetryContext) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const defaults = retryDefaults();
  const policy: BackoffPolicy = {
    initialDelayMs: options.initialDelayMs ?? defaults.initialDelayMs,
    maxDelayMs: options.maxDelayMs ?? defaults.maxDelayMs,
    multiplier: options.multiplier ?? defaults.multiplier,
    jitter: options.jitter ?? defaults.jitter,
  };
  const maxAttempts = options.maxAttempts ?? (options.deadlineMs !== undefined ? Infinity : defaults.maxAttempts);
  const clock = options.clock ?? SYSTEM_CLOCK;
  const retryIf = options.retryIf ?? markedRetriable;
  const deadline = options.deadlineMs === undefined ? Infinity : clock.now() + options.deadlineMs;
  const stop = new StopWatch(options);
  const bail = (error: unknown): never => {
    throw new Bailed(error);
  };
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation({ attempt, bail });
    } catch (caught) {
      if (caught instanceof Bailed) throw caught.error;
      const stops = stop.watch();
      const left = deadline - clock.now();
      if (attempt >= maxAttempts || left <= 0 || stop.stopped || !retryIf(caught, attempt)) throw caught;
      const delayMs = Math.min(backoffDelayMs(policy, attempt, options.random), left);
      options.onRetry?.(caught, attempt, delayMs);
      await clock.delay(delayMs, stops);
      if (stop.stopped) throw caught;
    }
  }
}

/** Raised inside {@link pollUntil} for "not yet". */
const NOT_YET = Symbol('not yet');

/**
 * Calls `probe` until it returns something other than `undefined` (returned), waiting with backoff between calls, for
 * at most `maxAttempts` calls or `deadlineMs`; `undefined` when it never did. An error of `probe` is thrown at once.
 */
export async function pollUntil<T>(probe: (attempt: number) => Promise<T | undefined>, options: Omit<RetryOptions, 'retryIf'>): Promise<T | undefined> {
  try {
    return await retry(
      async ({ attempt, bail }) => {
        let found: T | undefined;
        try {
          found = await probe(attempt);
        } catch (error) {
          return bail(error);
        }
        if (found === undefined) throw NOT_YET;
        return found;
      },
      { ...options, retryIf: (error) => error === NOT_YET },
    );
  } catch (error) {
    if (error === NOT_YET) return undefined;
    throw error;
  }
}
