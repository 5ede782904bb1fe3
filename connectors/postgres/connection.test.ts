import { describePostgresTarget, postgresClientConfig } from './connection';

describe('postgres connection options', () => {
  it('lets the separate fields override the url', () => {
    const config = postgresClientConfig({ url: 'postgres://a:secret@db:5433/orders', database: 'other', port: 6000, connectTimeout: 10_000 }, 'lockstep-test');
    expect(config).toMatchObject({
      connectionString: 'postgres://a:secret@db:5433/orders',
      database: 'other',
      port: 6000,
      application_name: 'lockstep-test',
      connectionTimeoutMillis: 10_000,
    });
  });

  it('asks for a replication connection when told to', () => {
    expect(postgresClientConfig({ host: 'h', connectTimeout: 5_000 }, 'x', { replication: 'database' })).toMatchObject({ host: 'h', replication: 'database' });
  });

  it('describes the target without the password', () => {
    expect(describePostgresTarget({ url: 'postgres://app:secret@db:5433/orders' })).toBe('postgres://app@db:5433/orders');
    expect(describePostgresTarget({ host: 'h', user: 'u', password: 'p', database: 'd' })).toBe('postgres://u@h:5432/d');
  });
});
