import { factsOf, fatalErrorIn, isRetriable } from './error-classification';
import { LockstepError } from './lockstep-error';

describe('error classification', () => {
  it('retries an error without a lockstep code, as LS_UNKNOWN says', () => {
    expect(factsOf(new Error('ECONNRESET')).code).toBe('LS_UNKNOWN');
    expect(factsOf(Object.assign(new Error('reset'), { code: 'ECONNRESET' })).code).toBe('LS_UNKNOWN');
    expect(isRetriable(new Error('socket hang up'))).toBe(true);
    expect(isRetriable('a thrown string')).toBe(true);
    // kafkajs' errors carry a string code and a retriable flag: still unknown to lockstep, retried as before.
    expect(isRetriable(Object.assign(new Error('refused'), { code: 'ECONNREFUSED', retriable: false }))).toBe(true);
  });

  it('follows a LockstepError’s own retriable flag', () => {
    expect(isRetriable(new LockstepError('lost', { code: 'LS_KAFKA_CONNECTION' }))).toBe(true);
    expect(isRetriable(new LockstepError('bad', { code: 'LS_CONFIG_INVALID' }))).toBe(false);
    expect(isRetriable(new LockstepError('io', { code: 'LS_FILE_IO', retriable: true }))).toBe(true);
  });

  it('stops at a fatal code anywhere in the cause chain', () => {
    const internals = new LockstepError('kafkajs internals changed', { code: 'LS_KAFKA_INTERNALS' });
    const commit = new LockstepError('commit failed', { code: 'LS_COMMIT_FAILED', cause: internals });
    expect(commit.retriable).toBe(true);
    expect(fatalErrorIn(commit)).toBe(internals);
    expect(isRetriable(commit)).toBe(false);
    expect(fatalErrorIn(new Error('outer', { cause: new Error('inner') }))).toBeUndefined();
  });

  it('survives a cause cycle', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(fatalErrorIn(a)).toBeUndefined();
    expect(isRetriable(a)).toBe(true);
  });
});
