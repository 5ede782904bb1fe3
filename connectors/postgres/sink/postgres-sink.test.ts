import { configSchemaCheck, testPluginContext, validatedConfig } from '../../../core/testing';
import { MAX_GID_BYTES, PostgresGids } from './postgres-gids';
import { createPostgresSink } from './postgres-sink';
import { resolveSinkConfig } from './postgres-sink-config';
import { postgresSinkPlugin } from './postgres-sink-plugin';
import { PostgresCommittableSerializer } from './postgres-sink-serializers';
import { checkPreparedTransactions } from './prepared-transactions';

const options = { id: 'pg', type: 'postgres', url: 'postgres://u@db/app', table: 'orders' };
const base = validatedConfig(postgresSinkPlugin, options);
const context = testPluginContext({ pipeline: 'orders', componentId: 'pg' });

describe('PostgresSink', () => {
  it('is exactly-once by two-phase commit by default, at-least-once without committables when asked', () => {
    const sink = createPostgresSink(base, context);
    expect({ guarantee: sink.guarantee, mechanism: sink.mechanism, serializer: sink.committableSerializer !== undefined }).toEqual({
      guarantee: 'exactly-once',
      mechanism: 'two-phase-commit',
      serializer: true,
    });
    const loose = createPostgresSink({ ...base, semantic: 'at-least-once' }, context);
    expect({ guarantee: loose.guarantee, mechanism: loose.mechanism, serializer: loose.committableSerializer }).toEqual({
      guarantee: 'at-least-once',
      mechanism: undefined,
      serializer: undefined,
    });
  });
});

describe('resolveSinkConfig', () => {
  it('defaults to insert by COPY in batches of 1000, markers in public, and splits schema.table', () => {
    expect(resolveSinkConfig({ ...base, table: 'sales.orders' })).toEqual({
      table: { schema: 'sales', name: 'orders' },
      mode: 'insert',
      key: [],
      changes: 'auto',
      truncate: 'refuse',
      columns: undefined,
      exactlyOnce: true,
      batchSize: 1000,
      write: 'copy',
      markerSchema: 'public',
      lockTimeoutMs: 30_000,
    });
  });

  it('waits for row locks half the checkpoint timeout by default, at least 1 s, or as configured', () => {
    expect(resolveSinkConfig(base, 60_000).lockTimeoutMs).toBe(30_000);
    expect(resolveSinkConfig(base, 1_500).lockTimeoutMs).toBe(1_000);
    expect(resolveSinkConfig({ ...base, lockTimeout: 250 }, 60_000).lockTimeoutMs).toBe(250);
  });

  it('upserts with INSERT by default and refuses COPY, a missing key, or key columns not mapped', () => {
    expect(resolveSinkConfig({ ...base, mode: 'upsert', key: ['id'] }).write).toBe('insert');
    expect(() => resolveSinkConfig({ ...base, mode: 'upsert', key: ['id'], write: 'copy' })).toThrow(/write copy cannot upsert.*prepared transaction/);
    expect(() => resolveSinkConfig({ ...base, mode: 'upsert' })).toThrow(/mode upsert needs key/);
    expect(() => resolveSinkConfig({ ...base, mode: 'upsert', key: ['id'], columns: ['name'] })).toThrow(/key column\(s\) id missing from columns/);
    expect(() => resolveSinkConfig({ ...base, columns: ['a', { column: 'a', field: 'b' }] })).toThrow(/column a is mapped twice/);
  });

  it('takes key with mode insert as the key change events are applied by, but not with changes off', () => {
    expect(resolveSinkConfig({ ...base, key: ['id'] })).toMatchObject({ mode: 'insert', key: ['id'], changes: 'auto', write: 'copy' });
    expect(() => resolveSinkConfig({ ...base, key: ['id'], changes: 'off' })).toThrow(/key is only used by mode upsert and to apply change events/);
  });

  it('reads column mappings as a name or a column and a dotted field path', () => {
    expect(resolveSinkConfig({ ...base, columns: ['id', { column: 'city', field: 'address.city' }] }).columns).toEqual([
      { column: 'id', path: ['id'] },
      { column: 'city', path: ['address', 'city'] },
    ]);
  });
});

describe('PostgresGids', () => {
  it('names gids lockstep:<pipeline>:<sink>:<subtask>:<checkpoint>:e<epoch> and parses only its own back', () => {
    const gids = new PostgresGids('orders', 'pg');
    expect(gids.gid(1, 42, 3)).toBe('lockstep:orders:pg:1:42:e3');
    expect(gids.parse('lockstep:orders:pg:1:42:e3')).toEqual({ subtask: 1, checkpointId: 42, epoch: 3 });
    // a gid of an earlier version, without the epoch
    expect(gids.parse('lockstep:orders:pg:1:42')).toEqual({ subtask: 1, checkpointId: 42, epoch: 0 });
    expect(gids.parse('lockstep:orders:pg2:1:42:e3')).toBeUndefined();
    expect(gids.parse('lockstep:orders:pg:x:1:42')).toBeUndefined();
    expect(gids.parse('lockstep:orders:pg:1:42:3')).toBeUndefined();
    expect(new PostgresGids('orders:pg', 'x').parse('lockstep:orders:pg:1:42:e1')).toBeUndefined();
    expect(new PostgresGids('a:b', 'c').gid(0, 1, 1)).toBe('lockstep:a%3Ab:c:0:1:e1');
  });

  it('hashes long names so every gid stays under 200 bytes', () => {
    const gids = new PostgresGids('ü'.repeat(200), 'sink');
    const gid = gids.gid(9999, Number.MAX_SAFE_INTEGER, 999_999_999_999);
    expect(Buffer.byteLength(gid)).toBeLessThanOrEqual(MAX_GID_BYTES);
    expect(gid).toMatch(/^lockstep:#[0-9a-f]{32}:9999:9007199254740991:e999999999999$/);
    expect(gids.parse(gid)).toEqual({ subtask: 9999, checkpointId: Number.MAX_SAFE_INTEGER, epoch: 999_999_999_999 });
    expect(new PostgresGids('ü'.repeat(200), 'other').prefix).not.toBe(gids.prefix);
    expect(Buffer.byteLength(gids.writerSessionName(9999, 999_999_999_999))).toBeLessThanOrEqual(63);
  });

  it('names writer sessions in printable ASCII with the owner epoch, which Postgres keeps as given (fencing finds them by that name)', () => {
    const gids = new PostgresGids('orders', 'pg');
    expect(gids.writerSessionName(2, 7)).toBe('lockstep:orders:pg:2:e7');
    expect(gids.sessionEpoch(2, 'lockstep:orders:pg:2:e7')).toBe(7);
    expect(gids.sessionEpoch(2, 'lockstep:orders:pg:2')).toBe(0);
    expect(gids.sessionEpoch(2, 'lockstep:orders:pg:20:e7')).toBeUndefined();
    expect(gids.sessionEpoch(2, 'lockstep:orders:pg:committer')).toBeUndefined();
    const accented = new PostgresGids('commandes-été', 'pg');
    expect(accented.writerSessionName(2, 1)).toMatch(/^lockstep:#[0-9a-f]{32}:e1$/);
    expect(accented.writerApplicationName(2)).not.toBe(accented.writerApplicationName(3));
    expect(accented.sessionEpoch(2, accented.writerSessionName(2, 12))).toBe(12);
  });
});

describe('PostgresCommittableSerializer', () => {
  it('round-trips and refuses unknown versions and malformed data', () => {
    const serializer = new PostgresCommittableSerializer();
    const committable = { gid: 'lockstep:orders:pg:0:3' };
    expect(serializer.deserialize(1, JSON.parse(JSON.stringify(serializer.serialize(committable))))).toEqual(committable);
    expect(() => serializer.deserialize(2, {})).toThrow(expect.objectContaining({ code: 'LS_STATE_VERSION' }));
    expect(() => serializer.deserialize(1, { gid: 3 })).toThrow(expect.objectContaining({ code: 'LS_STATE_INVALID' }));
    expect(() => serializer.deserialize(1, { gid: 'x'.repeat(200) })).toThrow(/gid must be 1 to 199 bytes/);
  });
});

describe('checkPreparedTransactions', () => {
  const serverWith = (value: string) => ({ query: jest.fn().mockResolvedValue({ rows: [{ max_prepared_transactions: value }] }) });

  it('fails, not retriable, naming the setting when max_prepared_transactions is 0', async () => {
    await expect(checkPreparedTransactions(serverWith('0') as never)).rejects.toMatchObject({
      code: 'LS_POSTGRES_NO_PREPARED_TRANSACTIONS',
      retriable: false,
      message: expect.stringMatching(/max_prepared_transactions = 0.*restart the server/),
    });
  });

  it('passes when the server can prepare transactions', async () => {
    await expect(checkPreparedTransactions(serverWith('64') as never)).resolves.toBeUndefined();
  });
});

describe('config-schemas/postgres/sink.schema.json', () => {
  const check = configSchemaCheck('postgres/sink.schema.json');
  it('accepts full configs and refuses upsert without key, copy with upsert, key without upsert or changes, no connection', () => {
    expect(check({ ...options, columns: ['id', { column: 'city', field: 'address.city' }], batchSize: 500, write: 'insert', semantic: 'at-least-once' })).toEqual([]);
    expect(check({ ...options, mode: 'upsert', key: ['id'] })).toEqual([]);
    expect(check({ id: 'pg', type: 'postgres', host: 'db', port: 5432, user: 'u', password: 'p', database: 'app', table: 's.t' })).toEqual([]);
    expect(check({ ...options, mode: 'upsert' })).not.toEqual([]);
    expect(check({ ...options, mode: 'upsert', key: ['id'], write: 'copy' })).not.toEqual([]);
    expect(check({ ...options, key: ['id'] })).toEqual([]);
    expect(check({ ...options, key: ['id'], changes: 'apply', truncate: 'apply' })).toEqual([]);
    expect(check({ ...options, key: ['id'], changes: 'off' })).not.toEqual([]);
    expect(check({ ...options, changes: 'yes' })).not.toEqual([]);
    expect(check({ ...options, truncate: 'skip' })).not.toEqual([]);
    expect(check({ id: 'pg', type: 'postgres', table: 't' })).not.toEqual([]);
    expect(check({ ...options, columns: [{ column: 'a' }] })).not.toEqual([]);
  });
});
