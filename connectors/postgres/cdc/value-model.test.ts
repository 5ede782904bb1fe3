import { PG_TYPE_OIDS } from '../sql';
import { cdcValue } from './value-model';

describe('cdcValue', () => {
  it('keeps float NaN, ±Infinity and -0 as strings (a JSON number cannot hold them) and other floats as numbers', () => {
    for (const oid of [PG_TYPE_OIDS.float4, PG_TYPE_OIDS.float8]) {
      expect(['NaN', 'Infinity', '-Infinity', '-0'].map((text) => cdcValue(oid, text))).toEqual(['NaN', 'Infinity', '-Infinity', '-0']);
      expect(cdcValue(oid, '0.30000000000000004')).toBe(0.30000000000000004);
      expect(cdcValue(oid, '1e+300')).toBe(1e300);
    }
  });

  it('gives bytea as base64 and other types as postgresValueFromText does', () => {
    expect(cdcValue(PG_TYPE_OIDS.bytea, '\\x00ff')).toBe('AP8=');
    expect(cdcValue(PG_TYPE_OIDS.bytea, '\\x')).toBe('');
    expect(cdcValue(PG_TYPE_OIDS.int8, '9007199254740993')).toBe('9007199254740993');
    expect(cdcValue(PG_TYPE_OIDS.bool, 't')).toBe(true);
    expect(cdcValue(PG_TYPE_OIDS.float8, null)).toBeNull();
  });
});
