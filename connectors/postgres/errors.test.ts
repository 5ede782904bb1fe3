import { isPostgresDataError, isRetriablePostgresError, postgresError, sqlState } from './errors';

const pgError = (code: string): Error => Object.assign(new Error(`failed ${code}`), { code });

describe('postgres error classification', () => {
  it('retries serialization failures, deadlocks, lost connections, shutdowns and too many connections', () => {
    for (const code of ['40001', '40P01', '08006', '08003', '57P01', '53300']) expect(isRetriablePostgresError(pgError(code))).toBe(true);
    expect(isRetriablePostgresError(pgError('ECONNRESET'))).toBe(true);
    expect(isRetriablePostgresError(new Error('Connection terminated unexpectedly'))).toBe(true);
    for (const code of ['23505', '22P02', '42703', '42P01']) expect(isRetriablePostgresError(pgError(code))).toBe(false);
  });

  it('treats constraint violations, data exceptions and undefined columns as data errors', () => {
    for (const code of ['23505', '23502', '22P02', '22001', '42703']) expect(isPostgresDataError(pgError(code))).toBe(true);
    for (const code of ['40001', '08006', '42P01']) expect(isPostgresDataError(pgError(code))).toBe(false);
    expect(sqlState(pgError('ECONNRESET'))).toBeUndefined();
  });

  it('wraps driver errors with a stable code and the retriable flag', () => {
    expect(postgresError(pgError('40P01'), 'cannot write')).toMatchObject({ code: 'LS_POSTGRES_40P01', retriable: true, message: 'cannot write: failed 40P01 (SQLSTATE 40P01)' });
    expect(postgresError(new Error('Connection terminated'), 'cannot write')).toMatchObject({ code: 'LS_POSTGRES_CONNECTION', retriable: true });
  });
});
