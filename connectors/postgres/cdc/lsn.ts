import { LockstepError } from '../../../core/sdk';

/**
 * Log sequence numbers (positions in the write-ahead log). Postgres prints them as two hexadecimal halves, `16/B374D848`;
 * lockstep keeps them as bigint in memory and as that text in checkpoints and records.
 */

/** The LSN `text` (`X/Y`) as a bigint. @throws LockstepError `LS_POSTGRES_CDC_PROTOCOL` for anything else. */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (match === null) throw new LockstepError(`not a log sequence number: ${JSON.stringify(text)}`, { code: 'LS_POSTGRES_CDC_PROTOCOL' });
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** `lsn` the way Postgres prints it (`16/B374D848`). */
export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** The larger of two LSNs. */
export function maxLsn(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
