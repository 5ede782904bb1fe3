import { backoffDelayMs, pollUntil, retry, retryDefaults, RETRY_DEFAULTS, type RetryClock, TEST_RETRY_DEFAULTS } from './retry';

/** A clock that never waits: time moves by the delays asked for, which are recorded. */
function fakeClock(start = 1_000): RetryClock & { readonly delays: number[] } {
  let now = start;
  const delays: number[] = [];
  return {
    delays,
    now: () => now,
    delay: async (ms) => {
      delays.push(ms);
      now += ms;
    },
  };
}

/** An operation failing `failures` times (with `error`), then returning `'ok'`; counts its calls. */
function failing(failures: number, error: unknown = new Error('transient')): { calls: number; run: () => Promise<string> } {
  const state = {
    calls: 0,
    run: async () => {
      state.calls += 1;
      if (state.calls <= failures) throw error;
      return 'ok';
    },
  };
  return state;
}

const noJitter = () => 0.5;

describe('backoffDelayMs', () => {
  const policy = { initialDelayMs: 100, maxDelayMs: 1000, jitter: 0.2 };

  it('doubles per attempt and caps at maxDelay', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelayMs(policy, attempt, noJitter))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('stays within the jitter band', () => {
    expect(backoffDelayMs(policy, 1, () => 0)).toBe(80);
    expect(backoffDelayMs(policy, 1, () => 1)).toBe(120);
  });

  it('grows by the multiplier', () => {
    expect(backoffDelayMs({ ...policy, multiplier: 3, jitter: 0 }, 3)).toBe(900);
  });
});

describe('retry', () => {
  it('retries with exponential backoff until the operation succeeds', async () => {
    const clock = fakeClock();
    const operation = failing(3);
    const retried: number[] = [];
    const result = await retry(operation.run, {
      initialDelayMs: 10,
      maxDelayMs: 30,
      jitter: 0,
      maxAttempts: 5,
      clock,
      onRetry: (_error, attempt) => retried.push(attempt),
    });
    expect(result).toBe('ok');
    expect(operation.calls).toBe(4);
    expect(clock.delays).toEqual([10, 20, 30]);
    expect(retried).toEqual([1, 2, 3]);
  });

  it('throws the last error after maxAttempts tries', async () => {
    const clock = fakeClock();
    const error = new Error('still down');
    const operation = failing(10, error);
    await expect(retry(operation.run, { maxAttempts: 3, initialDelayMs: 1, jitter: 0, clock })).rejects.toBe(error);
    expect(operation.calls).toBe(3);
  });

  it('applies jitter through the injected random', async () => {
    const clock = fakeClock();
    await retry(failing(2).run, { initialDelayMs: 100, maxDelayMs: 1000, jitter: 0.5, maxAttempts: 3, clock, random: () => 0 });
    expect(clock.delays).toEqual([50, 100]);
  });

  it('stops at once on an error retryIf refuses, and by default on one marked retriable: false', async () => {
    const fatal = Object.assign(new Error('fatal'), { retriable: false });
    const byDefault = failing(5, fatal);
    await expect(retry(byDefault.run, { clock: fakeClock() })).rejects.toBe(fatal);
    expect(byDefault.calls).toBe(1);
    const refused = failing(5);
    await expect(retry(refused.run, { clock: fakeClock(), retryIf: () => false })).rejects.toThrow('transient');
    expect(refused.calls).toBe(1);
  });

  it('bail fails with the given error without another try', async () => {
    let calls = 0;
    const reason = new Error('fenced');
    const result = retry(
      async ({ attempt, bail }) => {
        calls += 1;
        if (attempt === 2) bail(reason);
        throw new Error('transient');
      },
      { maxAttempts: 5, clock: fakeClock() },
    );
    await expect(result).rejects.toBe(reason);
    expect(calls).toBe(2);
  });

  it('retries until the deadline (unlimited tries) and cuts the last wait short to try once at it', async () => {
    const clock = fakeClock();
    const operation = failing(100);
    await expect(retry(operation.run, { deadlineMs: 100, initialDelayMs: 40, maxDelayMs: 40, jitter: 0, clock })).rejects.toThrow('transient');
    expect(clock.delays).toEqual([40, 40, 20]);
    expect(operation.calls).toBe(4);
  });

  it('stops when `until` settles during a wait, throwing the last error', async () => {
    let stop: () => void = () => undefined;
    const until = new Promise<void>((resolve) => (stop = resolve));
    const clock: RetryClock = {
      now: () => 0,
      delay: async (_ms, stops) => {
        stop();
        await Promise.race(stops);
      },
    };
    const operation = failing(10);
    await expect(retry(operation.run, { maxAttempts: 10, clock, until })).rejects.toThrow('transient');
    expect(operation.calls).toBe(1);
  });

  it('stops when the abort signal fires, and makes no try after an abort', async () => {
    const controller = new AbortController();
    const clock: RetryClock = {
      now: () => 0,
      delay: async (_ms, stops) => {
        controller.abort();
        await Promise.race(stops);
      },
    };
    const operation = failing(10);
    await expect(retry(operation.run, { maxAttempts: 10, clock, signal: controller.signal })).rejects.toThrow('transient');
    expect(operation.calls).toBe(1);
    const again = failing(10);
    await expect(retry(again.run, { maxAttempts: 10, clock: fakeClock(), signal: controller.signal })).rejects.toThrow('transient');
    expect(again.calls).toBe(1);
  });

  it('waits for real with the system clock (test defaults are short)', async () => {
    const started = Date.now();
    await expect(retry(failing(1).run, { jitter: 0 })).resolves.toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(TEST_RETRY_DEFAULTS.initialDelayMs - 1);
  });
});

describe('retryDefaults', () => {
  const saved = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = saved;
  });

  it('are faster under test', () => {
    process.env.NODE_ENV = 'test';
    expect(retryDefaults()).toBe(TEST_RETRY_DEFAULTS);
    process.env.NODE_ENV = 'production';
    expect(retryDefaults()).toBe(RETRY_DEFAULTS);
    expect(TEST_RETRY_DEFAULTS.maxDelayMs).toBeLessThan(RETRY_DEFAULTS.maxDelayMs);
  });
});

describe('pollUntil', () => {
  it('polls with backoff until the probe finds something', async () => {
    const clock = fakeClock();
    const found = await pollUntil(async (attempt) => (attempt === 3 ? 'done' : undefined), {
      initialDelayMs: 5,
      maxDelayMs: 100,
      jitter: 0,
      deadlineMs: 1_000,
      clock,
    });
    expect(found).toBe('done');
    expect(clock.delays).toEqual([5, 10]);
  });

  it('answers undefined when the deadline passes first', async () => {
    const clock = fakeClock();
    const found = await pollUntil(async () => undefined, { initialDelayMs: 5, maxDelayMs: 100, jitter: 0, deadlineMs: 50, clock });
    expect(found).toBeUndefined();
    expect(clock.delays.reduce((sum, ms) => sum + ms, 0)).toBe(50);
  });

  it('throws an error of the probe at once', async () => {
    let calls = 0;
    const probe = async (): Promise<string | undefined> => {
      calls += 1;
      throw new Error('broker gone');
    };
    await expect(pollUntil(probe, { maxAttempts: 5, clock: fakeClock() })).rejects.toThrow('broker gone');
    expect(calls).toBe(1);
  });
});
