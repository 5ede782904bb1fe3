import { LockstepError } from './lockstep-error';

describe('LockstepError', () => {
  it('carries code, retriable, cause and context', () => {
    const cause = new Error('ECONNRESET');
    const error = new LockstepError('lost the broker', {
      code: 'LS_KAFKA_CONNECTION',
      retriable: true,
      cause,
      context: { pipeline: 'orders', subtask: 1 },
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('LS_KAFKA_CONNECTION');
    expect(error.retriable).toBe(true);
    expect(error.cause).toBe(cause);
    expect(error.context).toEqual({ pipeline: 'orders', subtask: 1 });
    expect(LockstepError.is(error)).toBe(true);
  });

  it('is not retriable unless said so', () => {
    const error = new LockstepError('bad field', { code: 'LS_CONFIG_INVALID' });
    expect(error.retriable).toBe(false);
    expect(LockstepError.is(new Error('plain'))).toBe(false);
  });
});
