import type { LockstepRecord } from '../../../core/sdk';
import { ChangeEncoder, isChangeEvent } from './change-events';
import type { ColumnSource, ResolvedSinkConfig } from './postgres-sink-config';
import { RowEncoder, type TableColumn } from './row-encoding';
import { deleteStatement } from './sink-statements';

const table = new Map<string, TableColumn>([
  ['id', { name: 'id', type: 'integer', isArray: false }],
  ['name', { name: 'name', type: 'text', isArray: false }],
  ['raw', { name: 'raw', type: 'bytea', isArray: false }],
]);

type Options = Partial<Pick<ResolvedSinkConfig, 'changes' | 'truncate'>> & { columns?: ColumnSource[]; key?: string[] };

function encoder(options: Options = {}): ChangeEncoder {
  const config = { changes: options.changes ?? 'auto', truncate: options.truncate ?? 'refuse', columns: options.columns };
  return new ChangeEncoder(config, new RowEncoder(options.columns, table, 'public.dst'), options.key ?? ['id'], 'public.dst');
}

function event(op: string, before: Record<string, unknown> | null, after: Record<string, unknown> | null): Record<string, unknown> {
  return { op, schema: 'public', table: 'src', before, after, lsn: '0/1', commitLsn: '0/2', xid: 7, commitTime: '2026-01-01T00:00:00.000Z' };
}

function record(value: unknown, key?: unknown): LockstepRecord {
  return { value, ...(key === undefined ? {} : { key }), origin: 'public.src@0/2#0' };
}

/** The rows as `op columns=values` lines, for readable expectations. */
function applied(changes: ChangeEncoder, value: unknown, key?: unknown): string[] | undefined {
  return changes.encode(record(value, key))?.map((row) => `${row.op} ${row.columns.map((column, i) => `${column}=${row.values[i]}`).join(' ')}`.trim());
}

describe('isChangeEvent (changes: auto)', () => {
  it('holds for exactly the postgres-cdc envelope, also as it comes back from JSON', () => {
    const insert = event('insert', null, { id: 1 });
    expect(isChangeEvent(insert)).toBe(true);
    expect(isChangeEvent(JSON.parse(JSON.stringify(insert)))).toBe(true);
    expect(isChangeEvent({ ...event('read', null, { id: 1 }), xid: null, commitTime: null })).toBe(true);
    expect(isChangeEvent(event('truncate', null, null))).toBe(true);
  });

  it('does not hold for rows that merely have some of its fields, an extra field, or fields of the wrong type', () => {
    expect(isChangeEvent({ id: 1, op: 'insert', before: null, after: { id: 1 } })).toBe(false);
    expect(isChangeEvent({ ...event('insert', null, { id: 1 }), extra: 1 })).toBe(false);
    expect(isChangeEvent(event('upsert', null, { id: 1 }))).toBe(false);
    expect(isChangeEvent(event('insert', null, 'x' as never))).toBe(false);
    expect(isChangeEvent({ ...event('insert', null, { id: 1 }), lsn: 5 })).toBe(false);
    expect(isChangeEvent({ ...event('insert', null, { id: 1 }), xid: '7' })).toBe(false);
    expect(isChangeEvent(null)).toBe(false);
    expect(isChangeEvent([event('insert', null, { id: 1 })])).toBe(false);
  });
});

describe('ChangeEncoder', () => {
  it('upserts the after row of read, insert and update, with bytes decoded from base64', () => {
    const changes = encoder();
    expect(applied(changes, event('read', null, { id: 1, name: 'a', raw: 'AP8=' }))).toEqual(['upsert id=1 name=a raw=\\x00ff']);
    expect(applied(changes, event('insert', null, { id: 2, name: null }))).toEqual(['upsert id=2 name=null']);
    expect(applied(changes, event('update', { id: 2 }, { id: 2, name: 'b' }))).toEqual(['upsert id=2 name=b']);
  });

  it('deletes by the key from before, else from the record key', () => {
    const changes = encoder();
    expect(applied(changes, event('delete', { id: 3 }, null))).toEqual(['delete id=3']);
    expect(applied(changes, event('delete', { id: 3, name: 'full row', raw: null }, null))).toEqual(['delete id=3']);
    expect(applied(changes, event('delete', null, null), { id: 4 })).toEqual(['delete id=4']);
    expect(() => applied(changes, event('delete', null, null))).toThrow(/public.src@0\/2#0: a delete of public.src has neither before nor an object record key/);
  });

  it('deletes the old key before upserting an update that changed the key under changes: apply; not when the key stayed', () => {
    const changes = encoder({ changes: 'apply' });
    expect(applied(changes, event('update', { id: 5 }, { id: 6, name: 'x' }))).toEqual(['delete id=5', 'upsert id=6 name=x']);
    expect(applied(changes, event('update', { id: 6, name: 'x' }, { id: 6, name: 'y' }))).toEqual(['upsert id=6 name=y']);
  });

  it('leaves a key change of a postgres-cdc event (auto) to the delete record the source emits before it, keyed by the old key', () => {
    expect(applied(encoder(), event('update', { id: 5 }, { id: 6, name: 'x' }), { id: 6 })).toEqual(['upsert id=6 name=x']);
  });

  it('reads configured columns from the row image and refuses mappings written for the event', () => {
    const columns = [
      { column: 'id', path: ['key'] },
      { column: 'name', path: ['label'] },
    ];
    const changes = encoder({ columns });
    expect(applied(changes, event('insert', null, { key: 1, label: 'a' }))).toEqual(['upsert id=1 name=a']);
    expect(applied(changes, event('delete', { key: 1 }, null))).toEqual(['delete id=1']);
    const stale = encoder({ columns: [{ column: 'id', path: ['after', 'id'] }] });
    expect(() => applied(stale, event('insert', null, { id: 1 }))).toThrow(/column id maps after.id, but change events are applied.*map id instead, or set changes: off/);
  });

  it('refuses truncates by default, naming the table, and deletes every row with truncate: apply', () => {
    expect(() => applied(encoder(), event('truncate', null, null))).toThrow(
      expect.objectContaining({ code: 'LS_POSTGRES_CHANGE', message: expect.stringMatching(/a truncate of public.src is refused: set truncate: apply/) }),
    );
    expect(applied(encoder({ truncate: 'apply' }), event('truncate', null, null))).toEqual(['truncate']);
  });

  it('refuses change events without key columns to apply them by, or without the key values', () => {
    expect(() => applied(encoder({ key: [] }), event('insert', null, { id: 1 }))).toThrow(/public.dst has no primary key: set key on the sink/);
    expect(() => applied(encoder(), event('insert', null, { name: 'a' }))).toThrow(
      expect.objectContaining({ code: 'LS_POSTGRES_CHANGE', context: expect.objectContaining({ field: 'id' }), message: expect.stringMatching(/after has no value for key column\(s\) id/) }),
    );
    expect(() => applied(encoder(), event('insert', null, { id: 1, nope: 2 }))).toThrow(
      expect.objectContaining({ code: 'LS_POSTGRES_UNKNOWN_COLUMN', message: expect.stringMatching(/field nope of after has no column in public.dst/) }),
    );
  });

  it('leaves other records to be written as rows (auto, off), or refuses them (apply)', () => {
    expect(applied(encoder(), { id: 1, name: 'a' })).toBeUndefined();
    expect(applied(encoder({ changes: 'off' }), event('insert', null, { id: 1 }))).toBeUndefined();
    expect(applied(encoder({ changes: 'apply' }), { op: 'insert', after: { id: 1 } })).toEqual(['upsert id=1']);
    expect(() => applied(encoder({ changes: 'apply' }), { id: 1 })).toThrow(/not a change event \(changes: apply\): op is missing/);
  });
});

describe('ChangeEncoder.hint', () => {
  it('names how a near change event differs from the envelope, only under changes: auto', () => {
    const near = { ...event('insert', null, { id: 1 }), source: 'x' };
    delete (near as { lsn?: unknown }).lsn;
    expect(encoder().hint(record(near))).toMatch(/looks like a change event.*\(without lsn, with source\).*set changes: apply/);
    expect(encoder().hint(record({ id: 1, name: 'a' }))).toBeUndefined();
    expect(encoder({ changes: 'off' }).hint(record(near))).toBeUndefined();
  });
});

describe('deleteStatement', () => {
  it('deletes keys with an IN list, row values for a composite key', () => {
    expect(deleteStatement('"public"."t"', ['id'], 2)).toBe('DELETE FROM "public"."t" WHERE "id" IN ($1, $2)');
    expect(deleteStatement('"t"', ['a', 'b'], 2)).toBe('DELETE FROM "t" WHERE ("a", "b") IN (($1, $2), ($3, $4))');
  });
});
