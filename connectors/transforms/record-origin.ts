import type { LockstepRecord } from '../../core/sdk';

/** The record's origin for error messages; sources without one still get a readable sentence. */
export function originOf(record: LockstepRecord): string {
  return record.origin ?? 'of unknown origin';
}
