import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits `ms`, or less when one of `until` settles first; the timer is cancelled then, so a long interval or backoff
 * never keeps the process alive after the work it paced has ended.
 */
export async function delayOrUntil(ms: number, ...until: Promise<unknown>[]): Promise<void> {
  const timer = new AbortController();
  try {
    await Promise.race([sleep(ms, undefined, { signal: timer.signal }), ...until]);
  } finally {
    timer.abort();
  }
}
