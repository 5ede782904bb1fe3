import { LockstepError } from '../../core/sdk';
import { describePostgresTarget, postgresClientConfig, resolvePostgresConnection } from './connection';

const URL = 'postgres://a:secret@db:5433/orders';

function refusal(run: () => unknown): LockstepError {
  try {
    run();
  } catch (error) {
    if (error instanceof LockstepError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('postgres connection options', () => {
  it('takes every part from the url when no field is set, and never hands node-postgres the url', () => {
    const config = postgresClientConfig({ url: URL, connectTimeout: 10_000 }, 'lockstep-test');
    expect(config).toEqual({
      host: 'db',
      port: 5433,
      user: 'a',
      password: 'secret',
      database: 'orders',
      connectionTimeoutMillis: 10_000,
      application_name: 'lockstep-test',
    });
    expect(config.connectionString).toBeUndefined();
  });

  it.each([
    ['host', { host: 'other-host' }, { host: 'other-host' }],
    ['port', { port: 6000 }, { port: 6000 }],
    ['user', { user: 'b' }, { user: 'b', password: 'secret' }],
    ['password', { password: 'p2' }, { user: 'a', password: 'p2' }],
    ['database', { database: 'other' }, { database: 'other' }],
    ['ssl', { ssl: true }, { ssl: true }],
    ['connectTimeout', { connectTimeout: 1_500 }, { connectionTimeoutMillis: 1_500 }],
  ])('lets the %s field override the url', (_field, fields, expected) => {
    expect(resolvePostgresConnection({ url: URL, ...fields })).toMatchObject({ ...expected });
  });

  it('lets every field override the url at once, keeping nothing of the url it replaced', () => {
    const fields = { host: 'h2', port: 6001, user: 'y', password: 'pw-y', database: 'b' };
    expect(resolvePostgresConnection({ url: URL, ...fields })).toEqual(fields);
  });

  it('lets the ssl field replace the url ssl parameters whole, also to turn TLS off', () => {
    expect(resolvePostgresConnection({ url: `${URL}?sslmode=no-verify` })).toMatchObject({ ssl: { rejectUnauthorized: false } });
    expect(resolvePostgresConnection({ url: `${URL}?sslmode=no-verify`, ssl: false })).toMatchObject({ ssl: false });
    expect(resolvePostgresConnection({ url: `${URL}?ssl=false`, ssl: { rejectUnauthorized: true } })).toMatchObject({ ssl: { rejectUnauthorized: true } });
  });

  it('keeps the url query parameters no field replaces', () => {
    const config = resolvePostgresConnection({ url: `${URL}?options=-c%20search_path%3Dsales&client_encoding=UTF8`, database: 'b' });
    expect(config).toMatchObject({ options: '-c search_path=sales', client_encoding: 'UTF8', database: 'b' });
  });

  it('waits connectTimeout milliseconds for a connection', () => {
    expect(resolvePostgresConnection({ url: URL, connectTimeout: 250 })).toMatchObject({ connectionTimeoutMillis: 250 });
  });

  it('leaves parts the url lacks to node-postgres defaults instead of empty strings', () => {
    expect(resolvePostgresConnection({ url: 'postgres:///orders' })).toEqual({ database: 'orders' });
    expect(resolvePostgresConnection({ url: 'postgres://db' })).toEqual({ host: 'db' });
  });

  it('works from the fields alone', () => {
    expect(resolvePostgresConnection({ host: 'h', user: 'u', password: 'p', database: 'd' })).toEqual({
      host: 'h',
      user: 'u',
      password: 'p',
      database: 'd',
    });
  });

  it.each(['application_name=x', 'fallback_application_name=x', 'replication=database', 'connect_timeout=3'])('refuses the url parameter %s', (query) => {
    const error = refusal(() => resolvePostgresConnection({ url: `${URL}?${query}` }));
    expect(error.code).toBe('LS_CONFIG_INVALID');
    expect(error.context['field']).toBe('url');
    expect(error.message).toContain(query.split('=')[0]);
  });

  it('refuses a url it cannot read, naming the field and never repeating the url or its password', () => {
    for (const url of ['postgres://a:secret@db:port-x/orders', 'postgres://a:secret@[::1/orders']) {
      const error = refusal(() => resolvePostgresConnection({ url }));
      expect(error.code).toBe('LS_CONFIG_INVALID');
      expect(error.context['field']).toBe('url');
      expect(error.message).toMatch(/^url: /);
      expect(error.message).not.toContain('secret');
    }
  });

  it('keeps the replication session kind and the application name over anything else', () => {
    expect(postgresClientConfig({ host: 'h', connectTimeout: 5_000 }, 'x', { replication: 'database' })).toMatchObject({ host: 'h', replication: 'database', application_name: 'x' });
    expect(postgresClientConfig({ host: 'h', connectTimeout: 5_000 }, 'n'.repeat(80)).application_name).toHaveLength(63);
  });

  it('describes the effective target without the password', () => {
    expect(describePostgresTarget({ url: URL })).toBe('postgres://a@db:5433/orders');
    expect(describePostgresTarget({ url: URL, user: 'y', database: 'b', port: 6000 })).toBe('postgres://y@db:6000/b');
    expect(describePostgresTarget({ host: 'h', user: 'u', password: 'p', database: 'd' })).toBe('postgres://u@h:5432/d');
    expect(describePostgresTarget({ url: 'postgres://a:secret@db:port-x/orders', host: 'h' })).toBe('postgres://h:5432/');
  });
});
