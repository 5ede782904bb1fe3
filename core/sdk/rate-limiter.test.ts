import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('grants tokens at the configured rate', () => {
    let now = 0;
    const limiter = new RateLimiter(10, () => now);
    expect(limiter.take(100)).toBe(0);
    expect(limiter.msUntilNext()).toBe(100);
    now = 250;
    expect(limiter.take(100)).toBe(2);
    now = 450;
    expect(limiter.take(1)).toBe(1);
    expect(limiter.take(100)).toBe(1);
  });

  it('holds at most one second of tokens after a pause', () => {
    let now = 0;
    const limiter = new RateLimiter(10, () => now);
    now = 60_000;
    expect(limiter.take(1000)).toBe(10);
    expect(limiter.take(1000)).toBe(0);
  });

  it('allows one record at a time below one record per second', () => {
    let now = 0;
    const limiter = new RateLimiter(0.5, () => now);
    expect(limiter.msUntilNext()).toBe(2000);
    now = 10_000;
    expect(limiter.take(5)).toBe(1);
  });
});
