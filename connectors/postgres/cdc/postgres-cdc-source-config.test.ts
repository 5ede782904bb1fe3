import { configSchemaCheck, validatedConfig } from '../../../core/testing';
import { PostgresCdcSource } from './postgres-cdc-source';
import { postgresCdcSourcePlugin } from './postgres-cdc-source-plugin';

describe('postgres-cdc source config', () => {
  const check = configSchemaCheck(postgresCdcSourcePlugin.configSchema);
  const base = { id: 'cdc', type: 'postgres-cdc', url: 'postgres://app@db:5432/shop', publication: 'shop_pub', slot: 'shop_slot' };

  it('is the plugin for type postgres-cdc sources', () => {
    expect(postgresCdcSourcePlugin).toMatchObject({ kind: 'source', type: 'postgres-cdc', configSchema: 'postgres/cdc-source.schema.json' });
  });

  it('accepts the documented options', () => {
    expect(
      check({
        ...base,
        parallelism: 1,
        host: 'db2',
        port: 6432,
        user: 'replicator',
        password: 'secret',
        database: 'shop',
        ssl: { ca: 'PEM', rejectUnauthorized: true },
        connectTimeout: 5000,
        tables: ['orders', 'billing.Invoices'],
        snapshot: 'never',
        heartbeatInterval: '30s',
        statusInterval: '5s',
        slotCreateTimeout: '30s',
        snapshotChunkSize: 500,
        maxBufferedRecords: 500,
      }),
    ).toEqual([]);
    expect(check({ ...base, allTables: true, snapshot: 'initial', heartbeatInterval: 'off' })).toEqual([]);
    expect(check(base)).toEqual([]);
  });

  it.each([
    ['no slot', { id: 'cdc', type: 'postgres-cdc', publication: 'p' }],
    ['no publication', { id: 'cdc', type: 'postgres-cdc', slot: 's' }],
    ['an upper-case slot name', { ...base, slot: 'Shop' }],
    ['a slot name of 64 characters', { ...base, slot: 'a'.repeat(64) }],
    ['tables and allTables', { ...base, tables: ['t'], allTables: true }],
    ['an empty table list', { ...base, tables: [] }],
    ['a three-part table name', { ...base, tables: ['a.b.c'] }],
    ['an unknown snapshot mode', { ...base, snapshot: 'always' }],
    ['a bad heartbeat interval', { ...base, heartbeatInterval: 'soon' }],
    ['an unknown option', { ...base, bounded: true }],
  ])('refuses %s', (_title, config) => {
    expect(check(config)).not.toEqual([]);
  });

  it('refuses tables together with allTables also without the schema', () => {
    expect(() => new PostgresCdcSource({ ...validatedConfig(postgresCdcSourcePlugin, base), tables: ['t'], allTables: true }, { pipeline: 'p', componentId: 'c' })).toThrow(
      expect.objectContaining({ code: 'LS_CONFIG_INVALID' }),
    );
  });

  it('declares itself replayable and unbounded, with one split for subtask 0', () => {
    const source = new PostgresCdcSource(validatedConfig(postgresCdcSourcePlugin, base), { pipeline: 'p', componentId: 'c' });
    expect(source.guarantee).toBe('replayable');
    expect(source.bounded).toBe(false);
  });

  it('reports the rows changed during the chunked snapshot of a table with a key it cannot order, and the snapshot on servers before Postgres 14, as the at-least-once parts of its guarantee, and no caveat without one', () => {
    const context = { pipeline: 'p', componentId: 'cdc' };
    const initial = new PostgresCdcSource(validatedConfig(postgresCdcSourcePlugin, { ...base, snapshot: 'initial' }), context);
    expect(initial.guarantee).toBe('replayable');
    expect(initial.guaranteeCaveat).toMatch(
      /^its initial snapshot is at-least-once in part: on Postgres 14\+ .* for a table whose key has a column of a type other than int2\/int4\/int8, numeric, text, varchar, char or uuid .* a row inserted, updated or deleted during its snapshot in a key range not yet read comes as its change event and later again as a read record/,
    );
    expect(initial.guaranteeCaveat).toMatch(/on Postgres before 14 a crash during the snapshot starts it over/);
    const never = new PostgresCdcSource(validatedConfig(postgresCdcSourcePlugin, { ...base, snapshot: 'never' }), context);
    expect(never.guaranteeCaveat).toBeUndefined();
  });
});
