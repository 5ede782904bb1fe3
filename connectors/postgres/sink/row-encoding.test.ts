import { RecordError } from '../../../core/sdk';
import { offendingColumn } from './row-batch-writer';
import { arrayLiteral, columnText, RowEncoder, type TableColumn } from './row-encoding';
import { copyText, insertStatement } from './sink-statements';

const table = new Map<string, TableColumn>([
  ['id', { name: 'id', type: 'integer', isArray: false }],
  ['name', { name: 'name', type: 'character varying(3)', isArray: false }],
  ['tags', { name: 'tags', type: 'text[]', isArray: true }],
  ['doc', { name: 'doc', type: 'jsonb', isArray: false }],
]);

describe('column values', () => {
  it('are text for COPY and INSERT alike', () => {
    expect(columnText(42, table.get('id'))).toBe('42');
    expect(columnText(true, undefined)).toBe('true');
    expect(columnText(new Date(0), undefined)).toBe('1970-01-01T00:00:00.000Z');
    expect(columnText(Buffer.from([1, 255]), undefined)).toBe('\\x01ff');
    expect(columnText({ a: [1] }, table.get('doc'))).toBe('{"a":[1]}');
    expect(columnText([1, 2], table.get('doc'))).toBe('[1,2]');
    expect(columnText(['a', 'b"c', null, ['\\']], table.get('tags'))).toBe('{"a","b\\"c",NULL,{"\\\\"}}');
    expect(columnText(undefined, undefined)).toBeNull();
    expect(arrayLiteral([])).toBe('{}');
  });

  it('into a bytea column: base64 strings decoded (how lockstep carries bytes), Postgres hex as it is, other text refused', () => {
    const raw: TableColumn = { name: 'raw', type: 'bytea', isArray: false };
    expect(columnText('AP8Q', raw)).toBe('\\x00ff10');
    expect(columnText('3q2+7w==', raw)).toBe('\\xdeadbeef');
    expect(columnText('', raw)).toBe('\\x');
    expect(columnText('\\xdeadbeef', raw)).toBe('\\xdeadbeef');
    expect(columnText('AP8Q', table.get('name'))).toBe('AP8Q');
    for (const text of ['abc', 'not base64!', 'AP8=Q']) expect(() => columnText(text, raw)).toThrow(/must be base64/);
  });

  it('are escaped in the COPY text format', () => {
    expect(copyText([['a\tb\nc\\d\re', null]])).toBe('a\\tb\\nc\\\\d\\re\t\\N\n');
  });
});

describe('RowEncoder', () => {
  it('fills every top-level field by default, sorted so rows of the same fields share a shape', () => {
    const encoder = new RowEncoder(undefined, table, 'orders');
    const a = encoder.encode({ value: { name: 'x', id: 1 } });
    const b = encoder.encode({ value: { id: 2, name: 'y' } });
    expect(a).toMatchObject({ columns: ['id', 'name'], values: ['1', 'x'] });
    expect(a.shape).toBe(b.shape);
  });

  it('reads explicit columns from field paths, a missing field as NULL', () => {
    const encoder = new RowEncoder([{ column: 'id', path: ['id'] }, { column: 'name', path: ['customer', 'name'] }], table, 'orders');
    expect(encoder.encode({ value: { id: 1, customer: { name: 'x' } } }).values).toEqual(['1', 'x']);
    expect(encoder.encode({ value: { id: 1 } }).values).toEqual(['1', null]);
  });

  it('refuses values that are not objects, unknown fields and unwritable values, naming record and column', () => {
    const encoder = new RowEncoder(undefined, table, 'orders');
    expect(() => encoder.encode({ value: 'x', origin: 'f:1' })).toThrow(/record f:1: value is a string, not an object/);
    const unknown = (() => {
      try {
        encoder.encode({ value: { id: 1, colour: 'red' }, origin: 'f:2' });
      } catch (error) {
        return error;
      }
    })();
    expect(unknown).toBeInstanceOf(RecordError);
    expect(unknown).toMatchObject({ code: 'LS_POSTGRES_UNKNOWN_COLUMN', context: { origin: 'f:2', field: 'colour' } });
    expect(() => encoder.encode({ value: { id: () => 1 }, origin: 'f:3' })).toThrow(/record f:3: column id: a function cannot be written/);
  });
});

describe('insertStatement', () => {
  it('numbers parameters row by row and upserts the non-key columns', () => {
    expect(insertStatement('"t"', ['id', 'name'], 2, [])).toBe('INSERT INTO "t" ("id", "name") VALUES ($1, $2), ($3, $4)');
    expect(insertStatement('"t"', ['id', 'name'], 1, ['id'])).toBe(
      'INSERT INTO "t" ("id", "name") VALUES ($1, $2) ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name"',
    );
    expect(insertStatement('"t"', ['id'], 1, ['id'])).toBe('INSERT INTO "t" ("id") VALUES ($1) ON CONFLICT ("id") DO NOTHING');
  });
});

describe('offendingColumn', () => {
  const row = { record: { value: {} }, op: 'row' as const, columns: ['id', 'name'], values: ['x', 'abcd'], shape: '' };
  it('reads the column from what Postgres reports', () => {
    expect(offendingColumn({ column: 'name' }, row, table)).toBe('name');
    expect(offendingColumn({ where: "unnamed portal parameter $3 = '...'" }, row, table)).toBe('id');
    expect(offendingColumn({ where: 'COPY t, line 1, column id: "x"' }, row, table)).toBe('id');
    expect(offendingColumn({ detail: 'Key (id)=(1) already exists.' }, row, table)).toBe('id');
    expect(offendingColumn({ message: 'value too long for type character varying(3)' }, row, table)).toBe('name');
    expect(offendingColumn({ message: 'something else' }, row, table)).toBeUndefined();
  });
});
