import { LockstepError } from '../errors/lockstep-error';

/**
 * The longest accepted duration: Node.js timers overflow above 2³¹−1 ms and then fire after 1 ms, which would turn a
 * long backoff or interval into a busy loop.
 */
export const MAX_DURATION_MS = 2_147_483_647;

/** What a duration field accepts besides plain durations. */
export interface DurationOptions {
  /** Accept `off` (as 0), for switches such as `checkpoint.interval`. */
  readonly allowOff?: boolean;
  /** Smallest accepted value in ms (default 0). */
  readonly minMs?: number;
}

/** Outcome of {@link checkDuration}: milliseconds, or what was expected. */
export type DurationResult = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly message: string };

const UNIT_MS = { ms: 1n, s: 1_000n, m: 60_000n, h: 3_600_000n } as const;
const DURATION_TEXT = /^(\d+)(?:\.(\d+))?(ms|s|m|h)?$/;

/**
 * Reads a duration: `250ms`, `1s`, `1.5s`, `2m`, `1h`, or a whole number of milliseconds (as a number or a string of
 * digits, which is what `${VAR}` interpolation yields). The result is whole milliseconds; messages say what was
 * expected and never repeat the value.
 */
export function checkDuration(value: unknown, options: DurationOptions = {}): DurationResult {
  const expected = `must be ${options.allowOff === true ? '"off", 0 or ' : ''}a duration such as 250ms, 1.5s, 2m, 1h, or whole milliseconds`;
  let ms: bigint | undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, message: expected };
    if (!Number.isInteger(value)) return { ok: false, message: 'must be a whole number of milliseconds' };
    ms = BigInt(value);
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (options.allowOff === true && text === 'off') return { ok: true, ms: 0 };
    const parsed = parseDurationText(text);
    if (parsed === 'not-whole') return { ok: false, message: 'must be a whole number of milliseconds' };
    ms = parsed;
  }
  if (ms === undefined) return { ok: false, message: expected };
  if (ms < 0n) return { ok: false, message: 'must not be negative' };
  if (ms > BigInt(MAX_DURATION_MS)) {
    return { ok: false, message: `must be at most ${MAX_DURATION_MS}ms (about 24 days)` };
  }
  const minMs = options.minMs ?? 0;
  if (ms < BigInt(minMs)) return { ok: false, message: `must be at least ${minMs}ms` };
  return { ok: true, ms: Number(ms) };
}

/**
 * {@link checkDuration} for code that reads durations itself (connectors with their own options).
 * @throws LockstepError `LS_CONFIG_DURATION` naming what was expected.
 */
export function parseDuration(value: string | number, options: DurationOptions = {}): number {
  const result = checkDuration(value, options);
  if (result.ok) return result.ms;
  throw new LockstepError(`duration ${result.message}`, { code: 'LS_CONFIG_DURATION' });
}

/** BigInt arithmetic keeps `1.1s` at exactly 1100 ms, where floats give 1100.0000000000002. */
function parseDurationText(text: string): bigint | 'not-whole' | undefined {
  const match = DURATION_TEXT.exec(text);
  if (match === null) return undefined;
  const [, whole = '0', fraction = '', unit] = match;
  // A unit-less fraction (`1.5`) is ambiguous: seconds or milliseconds? Refuse rather than guess.
  if (unit === undefined && fraction !== '') return undefined;
  const scale = 10n ** BigInt(fraction.length);
  const scaled = (BigInt(whole) * scale + BigInt(fraction === '' ? '0' : fraction)) * UNIT_MS[(unit ?? 'ms') as keyof typeof UNIT_MS];
  if (scaled % scale !== 0n) return 'not-whole';
  return scaled / scale;
}
