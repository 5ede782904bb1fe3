import { restartBackoff, restartDelayMs } from './restart-strategy';

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
