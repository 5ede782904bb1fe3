/**
 * A token bucket: `ratePerSecond` tokens a second, holding at most one second's worth (at least one token) so a
 * reader that was held back by backpressure does not burst far above the configured rate afterwards.
 */
export class RateLimiter {
  private tokens = 0;
  private last: number;
  private readonly capacity: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.capacity = Math.max(1, ratePerSecond);
    this.last = now();
  }

  /** Takes up to `max` whole tokens and returns how many it took (0 when none is available yet). */
  take(max: number): number {
    this.refill();
    const taken = Math.max(0, Math.min(max, Math.floor(this.tokens)));
    this.tokens -= taken;
    return taken;
  }

  /** Milliseconds until the next whole token (0 when one is available now). */
  msUntilNext(): number {
    this.refill();
    if (this.tokens >= 1) return 0;
    return Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000);
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
  }
}
