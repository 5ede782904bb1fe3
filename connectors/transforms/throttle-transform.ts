import { setTimeout as sleep } from 'node:timers/promises';
import {
  type LockstepRecord,
  type PluginContext,
  RateLimiter,
  type Transform,
  type TransformPlugin,
} from '../../core/sdk';
import type { ThrottleTransformConfig } from './throttle-transform-config.generated';

/**
 * Passes every record through unchanged, at most `recordsPerSecond` a second (a token bucket holding one second's
 * worth). A record that finds no token waits for one, which holds back the reader it is chained to: the source reads
 * no faster than the pipeline lets it. Barriers are injected between batches, so a checkpoint waits at most for the
 * rest of the batch being throttled. For pacing a backfill against a fragile target, or a demo.
 */
export class ThrottleTransform implements Transform {
  constructor(private readonly limiter: RateLimiter) {}

  process(record: LockstepRecord): LockstepRecord[] | Promise<LockstepRecord[]> {
    // The common case (a token is there) stays synchronous: no promise per record.
    if (this.limiter.take(1) === 1) return [record];
    return this.waitFor(record);
  }

  private async waitFor(record: LockstepRecord): Promise<LockstepRecord[]> {
    while (this.limiter.take(1) === 0) await sleep(this.limiter.msUntilNext());
    return [record];
  }
}

/** The `throttle` transform type: each subtask gets its share of the rate. */
export const throttleTransformPlugin: TransformPlugin<ThrottleTransformConfig> = {
  kind: 'transform',
  type: 'throttle',
  configSchema: 'transforms/throttle.schema.json',
  create(config: ThrottleTransformConfig, _context: PluginContext) {
    return (init) => new ThrottleTransform(new RateLimiter(config.recordsPerSecond / Math.max(1, init.parallelism)));
  },
};
