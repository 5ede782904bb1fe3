import { LockstepError } from '../errors/lockstep-error';
import { checkDuration, MAX_DURATION_MS, parseDuration } from './duration';

describe('durations', () => {
  it.each([
    ['250ms', 250],
    ['1s', 1_000],
    ['1.5s', 1_500],
    ['1.1s', 1_100],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['0.5m', 30_000],
    ['0', 0],
    ['1500', 1_500],
    [' 2s ', 2_000],
    [1500, 1_500],
    [0, 0],
  ])('reads %p as %p ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['5 sec', 'must be a duration such as 250ms, 1.5s, 2m, 1h, or whole milliseconds'],
    ['1d', 'must be a duration such as'],
    ['1.5', 'must be a duration such as'],
    ['s', 'must be a duration such as'],
    ['-1s', 'must be a duration such as'],
    ['1e3', 'must be a duration such as'],
    ['', 'must be a duration such as'],
    ['0.5ms', 'must be a whole number of milliseconds'],
    ['1.0001s', 'must be a whole number of milliseconds'],
    [1.5, 'must be a whole number of milliseconds'],
    [-5, 'must not be negative'],
    [Number.NaN, 'must be a duration such as'],
    [Number.POSITIVE_INFINITY, 'must be a duration such as'],
    ['597h', 'must be at most 2147483647ms'],
    ['99999999999999999999999h', 'must be at most 2147483647ms'],
    [true, 'must be a duration such as'],
    [null, 'must be a duration such as'],
    [['1s'], 'must be a duration such as'],
  ])('refuses %p: %s', (value, message) => {
    const result = checkDuration(value);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain(message);
  });

  it('accepts the longest timer Node.js can run and nothing longer', () => {
    expect(parseDuration(MAX_DURATION_MS)).toBe(MAX_DURATION_MS);
    expect(checkDuration(MAX_DURATION_MS + 1).ok).toBe(false);
  });

  it('accepts off only where allowed, as 0', () => {
    expect(checkDuration('off')).toEqual({ ok: false, message: expect.stringContaining('must be a duration') });
    expect(checkDuration('off', { allowOff: true })).toEqual({ ok: true, ms: 0 });
    expect(checkDuration('soon', { allowOff: true })).toEqual({ ok: false, message: expect.stringContaining('must be "off", 0 or a duration') });
  });

  it('enforces a minimum', () => {
    expect(checkDuration('0', { minMs: 1 })).toEqual({ ok: false, message: 'must be at least 1ms' });
    expect(checkDuration('1ms', { minMs: 1 })).toEqual({ ok: true, ms: 1 });
  });

  it('throws a LockstepError with a stable code and without the value', () => {
    const error = (() => {
      try {
        parseDuration('hunter2');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(LockstepError.is(error)).toBe(true);
    expect((error as LockstepError).code).toBe('LS_CONFIG_DURATION');
    expect((error as LockstepError).message).not.toContain('hunter2');
  });
});
