/**
 * One header value: text, or bytes that are not UTF-8 text. Sources that read bytes (Kafka) give text where the bytes
 * are valid UTF-8 (they encode back to the same bytes) and bytes otherwise, so a copy keeps every byte.
 */
export type RecordHeaderValue = string | Uint8Array;

/** A record's headers: a value per name, or the values in order for a name that is repeated. */
export type RecordHeaders = Readonly<Record<string, RecordHeaderValue | readonly RecordHeaderValue[]>>;

/**
 * One record flowing through a pipeline. `value` is the payload (bytes, string or parsed JSON, depending on the
 * source and the transforms); the rest is metadata that sources fill in where they have it.
 */
export interface LockstepRecord {
  readonly value: unknown;
  readonly key?: unknown;
  readonly headers?: RecordHeaders;
  /** Milliseconds since the epoch. */
  readonly timestamp?: number;
  /**
   * Where the record came from, for error messages and dead letters (`file.jsonl:42`, `orders/2@1234`). Never used
   * for positioning: positions live in split states.
   */
  readonly origin?: string;
}
