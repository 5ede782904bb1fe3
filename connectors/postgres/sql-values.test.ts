import { postgresValueFromText as convertColumnValue } from './sql';

describe('column value conversion', () => {
  it('converts integers and floats to numbers, keeping int8 exact and float NaN, ±Infinity and -0 as strings (a JSON number cannot hold them)', () => {
    expect(convertColumnValue(21, '-7')).toBe(-7);
    expect(convertColumnValue(23, '2147483647')).toBe(2_147_483_647);
    expect(convertColumnValue(20, '9007199254740991')).toBe(9_007_199_254_740_991);
    expect(convertColumnValue(20, '9223372036854775807')).toBe('9223372036854775807');
    expect(convertColumnValue(700, '1.5')).toBe(1.5);
    expect(convertColumnValue(701, '0.30000000000000004')).toBe(0.30000000000000004);
    expect(convertColumnValue(701, '1e+300')).toBe(1e300);
    for (const oid of [700, 701]) {
      expect(['NaN', 'Infinity', '-Infinity', '-0'].map((text) => convertColumnValue(oid, text))).toEqual(['NaN', 'Infinity', '-Infinity', '-0']);
    }
  });

  it('keeps numeric as its exact decimal string', () => {
    expect(convertColumnValue(1700, '12345678901234567890.000000001')).toBe('12345678901234567890.000000001');
  });

  it('converts bool; keeps json and jsonb as their text, exactly; gives bytea as base64', () => {
    expect(convertColumnValue(16, 't')).toBe(true);
    expect(convertColumnValue(16, 'f')).toBe(false);
    expect(convertColumnValue(114, '{"b":1,  "a": [1.50, 1e400], "b": 2}')).toBe('{"b":1,  "a": [1.50, 1e400], "b": 2}');
    expect(convertColumnValue(3802, 'null')).toBe('null');
    expect(convertColumnValue(3802, '"text"')).toBe('"text"');
    expect(convertColumnValue(17, '\\x00ff10')).toBe(Buffer.from([0, 255, 16]).toString('base64'));
    expect(convertColumnValue(17, '\\x')).toBe('');
  });

  it('writes timestamps as ISO 8601 strings, timestamptz in UTC', () => {
    expect(convertColumnValue(1114, '2024-05-06 07:08:09.123456')).toBe('2024-05-06T07:08:09.123456');
    expect(convertColumnValue(1114, '2024-05-06 07:08:09')).toBe('2024-05-06T07:08:09');
    expect(convertColumnValue(1184, '2024-05-06 07:08:09.5+00')).toBe('2024-05-06T07:08:09.5Z');
    expect(convertColumnValue(1184, '2024-05-06 07:08:09+05:30')).toBe('2024-05-06T07:08:09+05:30');
    expect(convertColumnValue(1184, '2024-05-06 07:08:09-03')).toBe('2024-05-06T07:08:09-03:00');
    expect(convertColumnValue(1184, 'infinity')).toBe('infinity');
    expect(convertColumnValue(1114, '0044-03-15 12:00:00 BC')).toBe('0044-03-15 12:00:00 BC');
  });

  it('leaves text, uuid and other types as text', () => {
    expect(convertColumnValue(25, 'hello')).toBe('hello');
    expect(convertColumnValue(1043, '')).toBe('');
    expect(convertColumnValue(2950, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(convertColumnValue(1082, '2024-05-06')).toBe('2024-05-06');
    expect(convertColumnValue(1007, '{1,2,3}')).toBe('{1,2,3}');
  });
});
