/**
 * One record flowing through a pipeline. `value` is the payload (bytes, string or parsed JSON, depending on the
 * source and the transforms); the rest is metadata that sources fill in where they have it.
 */
export interface LockstepRecord {
  readonly value: unknown;
  readonly key?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch. */
  readonly timestamp?: number;
  /**
   * Where the record came from, for error messages and dead letters (`file.jsonl:42`, `orders/2@1234`). Never used
   * for positioning: positions live in split states.
   */
  readonly origin?: string;
}
