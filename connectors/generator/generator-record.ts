import type { LockstepRecord } from '../../core/sdk';

/** The value of a generated record. */
export interface GeneratorValue {
  readonly seq: number;
  /** Padding of `payloadBytes` characters, present only when configured. */
  readonly payload?: string;
}

/**
 * The record for `seq`. It depends on `seq` and the padding only (no clock, no randomness), so a replay emits the
 * same records and a downstream exactly-once check can compare them.
 */
export function generatorRecord(seq: number, padding: string): LockstepRecord {
  const value: GeneratorValue = padding.length > 0 ? { seq, payload: padding } : { seq };
  return { value, origin: `generator:seq=${seq}` };
}
