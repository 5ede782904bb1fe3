import { RateLimiter } from '../../core/sdk';
import { testInitContext, testPluginContext } from '../../core/testing';
import { ThrottleTransform, throttleTransformPlugin } from './throttle-transform';

describe('throttle transform', () => {
  it('passes records through unchanged while tokens last, synchronously', () => {
    let now = 0;
    const throttle = new ThrottleTransform(new RateLimiter(10, () => now));
    now = 1_000;
    const record = { value: { id: 1 }, key: 'k', origin: 'in/0@1' };
    for (let i = 0; i < 10; i += 1) expect(throttle.process(record)).toEqual([record]);
  });

  it('holds a record back until a token comes, then passes it', async () => {
    let now = 0;
    const throttle = new ThrottleTransform(new RateLimiter(10, () => now));
    const pending = throttle.process({ value: 1 });
    expect(pending).toBeInstanceOf(Promise);
    let done = false;
    void Promise.resolve(pending).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(done).toBe(false); // the clock has not moved: still no token
    now = 100;
    await expect(pending).resolves.toEqual([{ value: 1 }]);
  });

  it('gives each subtask its share of the rate', async () => {
    const factory = await throttleTransformPlugin.create(
      { id: 'slow', type: 'throttle', recordsPerSecond: 1_000 },
      testPluginContext({ pipeline: 'p', componentId: 'slow', baseDir: '/' }),
    );
    // 1,000/s over 4 subtasks: a subtask's bucket fills to 250 tokens, never more.
    const transform = factory(testInitContext({ subtask: 0, parallelism: 4 }));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    let passed = 0;
    while (Array.isArray(transform.process({ value: passed }))) passed += 1;
    // 250 in the bucket, plus what refills while the loop runs (1 per 4 ms); a subtask with the whole rate would
    // pass 1,000.
    expect(passed).toBeGreaterThanOrEqual(250);
    expect(passed).toBeLessThan(500);
  });
});
