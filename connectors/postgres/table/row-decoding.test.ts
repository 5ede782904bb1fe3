import type { FieldDef } from 'pg';
import { PG_TYPE_OIDS, postgresValueFromText } from '../sql';
import { RowDecoder } from './row-decoding';

const field = (name: string, dataTypeID: number): FieldDef =>
  ({ name, dataTypeID, tableID: 0, columnID: 0, dataTypeSize: 0, dataTypeModifier: 0, format: 'text' }) as FieldDef;

describe('postgres row values', () => {
  it('converts the text form of each type the way the README promises', () => {
    const t = PG_TYPE_OIDS;
    expect(postgresValueFromText(t.int4, '-42')).toBe(-42);
    expect(postgresValueFromText(t.int8, '9007199254740991')).toBe(9007199254740991);
    expect(postgresValueFromText(t.int8, '9007199254740993')).toBe('9007199254740993');
    expect(postgresValueFromText(t.numeric, '0.10000000000000000001')).toBe('0.10000000000000000001');
    expect(postgresValueFromText(t.float8, '-Infinity')).toBe('-Infinity');
    expect(postgresValueFromText(t.bool, 'f')).toBe(false);
    expect(postgresValueFromText(t.jsonb, '{"a": [1, null]}')).toBe('{"a": [1, null]}');
    expect(postgresValueFromText(t.timestamptz, '2024-05-01 10:00:00.123456+00')).toBe('2024-05-01T10:00:00.123456Z');
    expect(postgresValueFromText(t.timestamptz, '2024-05-01 10:00:00+05:30')).toBe('2024-05-01T10:00:00+05:30');
    expect(postgresValueFromText(t.timestamp, '2024-05-01 10:00:00')).toBe('2024-05-01T10:00:00');
    expect(postgresValueFromText(t.timestamptz, 'infinity')).toBe('infinity');
    expect(postgresValueFromText(t.bytea, '\\xdeadbeef')).toBe('3q2+7w==');
    expect(postgresValueFromText(2950, '0e9a0ed8-0d0b-4c5e-9e2f-1c0c7c3b1d2e')).toBe('0e9a0ed8-0d0b-4c5e-9e2f-1c0c7c3b1d2e');
    expect(postgresValueFromText(t.int4, null)).toBeNull();
  });

  it('makes a record: the row as value, the key column as key, <name>@<key> as origin', () => {
    const decoder = new RowDecoder('sales.orders', 'id');
    const fields = [field('id', PG_TYPE_OIDS.int8), field('total', PG_TYPE_OIDS.numeric), field('paid', PG_TYPE_OIDS.bool)];
    expect(decoder.decode(fields, { id: '12', total: '9.90', paid: 't' })).toEqual({
      key: 12,
      value: { id: 12, total: '9.90', paid: true },
      origin: 'sales.orders@12',
    });
  });
});
