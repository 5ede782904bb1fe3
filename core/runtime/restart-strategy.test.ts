import { restartBackoff, restartDelayMs, startupFailure, unreachableRestartLine } from './restart-strategy';

const config = { maxAttempts: 5, initialBackoffMs: 100, maxBackoffMs: 1000, jitter: 0.2 };

describe('restartDelayMs', () => {
  it('doubles per attempt and caps at maxBackoff', () => {
    const noJitter = () => 0.5;
    expect([1, 2, 3, 4, 5, 6].map((attempt) => restartDelayMs(config, attempt, noJitter))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('stays within the jitter band', () => {
    expect(restartDelayMs(config, 1, () => 0)).toBe(80);
    expect(restartDelayMs(config, 1, () => 1)).toBe(120);
  });
});

describe('restartBackoff', () => {
  it('maps the restart config onto the shared backoff policy', () => {
    expect(restartBackoff(config)).toEqual({ initialDelayMs: 100, maxDelayMs: 1000, jitter: 0.2 });
  });
});

describe('startupFailure', () => {
  const restart = { ...config, maxAttempts: 10, startupDeadlineMs: 5_000 };
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:19092'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 19092 });

  it('retries an unreachable service until the next restart would start after the deadline', () => {
    expect(startupFailure(refused, restart, 1_000, 2_000)).toBeUndefined();
    expect(startupFailure(refused, restart, 4_000, 2_000)).toBe('cannot reach 127.0.0.1:19092 within 5 s: connect ECONNREFUSED 127.0.0.1:19092');
  });

  it('fails a host that does not resolve at once', () => {
    const unknown = Object.assign(new Error('getaddrinfo ENOTFOUND no-such-host.invalid'), { code: 'ENOTFOUND', hostname: 'no-such-host.invalid' });
    expect(startupFailure(unknown, restart, 0, 1_000)).toMatch(/^host no-such-host.invalid does not resolve/);
  });

  it('leaves other failures, and configs without a deadline, to maxAttempts', () => {
    expect(startupFailure(new Error('boom'), restart, 60_000, 1_000)).toBeUndefined();
    expect(startupFailure(refused, config, 60_000, 1_000)).toBeUndefined();
  });
});

describe('unreachableRestartLine', () => {
  it('is one line naming what failed, the address and the restart', () => {
    const refused = Object.assign(new Error('kafka source cannot discover partitions'), {
      cause: Object.assign(new Error('Connection error'), { code: 'ECONNREFUSED', broker: 'localhost:19092' }),
    });
    expect(unreachableRestartLine(refused, 3, { ...config, maxAttempts: 10 }, 8_000)).toBe(
      'kafka source cannot discover partitions: cannot reach localhost:19092; restart 3/10 in 8 s, or as soon as it accepts connections',
    );
    const noPort = Object.assign(new Error('cannot connect'), { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) });
    expect(unreachableRestartLine(noPort, 1, config, 100)).toBe('cannot connect: cannot reach the service; restart 1/5 in 0.1 s');
    expect(unreachableRestartLine(new Error('boom'), 1, config, 100)).toBeUndefined();
  });
});
