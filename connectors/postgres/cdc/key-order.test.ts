import { collatesBytewise, compareKeys, keyKindOf, type KeyKind } from './key-order';

/** Sorts `values` (one-column keys of `kind`) with compareKeys. */
function sorted(kind: KeyKind, values: readonly string[]): string[] {
  return [...values].sort((a, b) => compareKeys([kind], [a], [b]));
}

describe('key order (as the chunked snapshot ORDER BY sorts)', () => {
  it('knows the key types it compares exactly, and which are ordered COLLATE "C"', () => {
    expect([21, 23, 20, 1700, 25, 1043, 1042, 2950].map(keyKindOf)).toEqual(['integer', 'integer', 'integer', 'numeric', 'text', 'text', 'bpchar', 'uuid']);
    expect([1082, 1114, 17, 869, 16].map(keyKindOf)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect([25, 1043, 1042, 23, 2950].map(collatesBytewise)).toEqual([true, true, true, false, false]);
  });

  it('compares integers exactly, bigints near 2^63 too', () => {
    expect(sorted('integer', ['10', '-3', '9', '0', '-10'])).toEqual(['-10', '-3', '0', '9', '10']);
    expect(sorted('integer', ['9223372036854775807', '9223372036854775806', '-9223372036854775808', '9007199254740993', '9007199254740992'])).toEqual([
      '-9223372036854775808',
      '9007199254740992',
      '9007199254740993',
      '9223372036854775806',
      '9223372036854775807',
    ]);
    expect(compareKeys(['integer'], ['9223372036854775807'], ['9223372036854775807'])).toBe(0);
  });

  it('compares numerics by value, with the special values where Postgres sorts them', () => {
    expect(sorted('numeric', ['NaN', '10.5', '-Infinity', '2', '-0.001', 'Infinity', '0', '-12.340', '10.49999999999999999999', '-12.35'])).toEqual([
      '-Infinity',
      '-12.35',
      '-12.340',
      '-0.001',
      '0',
      '2',
      '10.49999999999999999999',
      '10.5',
      'Infinity',
      'NaN',
    ]);
    expect(compareKeys(['numeric'], ['1.0'], ['1.000'])).toBe(0);
    expect(compareKeys(['numeric'], ['0.00'], ['-0'])).toBe(0);
    expect(compareKeys(['numeric'], ['123456789012345678901234567890.1'], ['123456789012345678901234567890.01'])).toBeGreaterThan(0);
  });

  it('compares text as the bytes of its UTF-8 (COLLATE "C"): upper case before lower, non-ASCII after ASCII, prefixes first', () => {
    expect(sorted('text', ['b', 'a', 'B', 'A', 'ä', 'z', 'ab', '', 'Z', 'é', '€', '😀', 'aB', ' '])).toEqual([
      '',
      ' ',
      'A',
      'B',
      'Z',
      'a',
      'aB',
      'ab',
      'b',
      'z',
      'ä',
      'é',
      '€',
      '😀',
    ]);
    // JavaScript's string order (UTF-16) puts U+1F600 (a surrogate pair) before U+E000; its UTF-8 bytes sort after
    expect(compareKeys(['text'], ['\u{1F600}'], ['\uE000'])).toBeGreaterThan(0);
  });

  it('compares char(n) without its trailing blanks', () => {
    expect(compareKeys(['bpchar'], ['ab  '], ['ab'])).toBe(0);
    expect(compareKeys(['bpchar'], ['a   '], ['a\u0001'])).toBeLessThan(0);
    expect(compareKeys(['text'], ['a '], ['a'])).toBeGreaterThan(0);
  });

  it('compares uuids as their bytes', () => {
    expect(sorted('uuid', ['ffffffff-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000001', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '0a0eebc9-9c0b-4ef8-bb6d-6bb9bd380a11'])).toEqual([
      '00000000-0000-0000-0000-000000000001',
      '0a0eebc9-9c0b-4ef8-bb6d-6bb9bd380a11',
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      'ffffffff-0000-0000-0000-000000000000',
    ]);
  });

  it('compares composite keys column by column', () => {
    const kinds: KeyKind[] = ['text', 'integer', 'uuid'];
    const keys = [
      ['b', '1', '00000000-0000-0000-0000-000000000001'],
      ['a', '10', '00000000-0000-0000-0000-000000000001'],
      ['a', '9', 'ffffffff-0000-0000-0000-000000000000'],
      ['a', '9', '00000000-0000-0000-0000-000000000002'],
      ['B', '100', '00000000-0000-0000-0000-000000000000'],
    ];
    expect([...keys].sort((a, b) => compareKeys(kinds, a, b))).toEqual([keys[4], keys[3], keys[2], keys[1], keys[0]]);
    expect(compareKeys(kinds, keys[0] as string[], [...(keys[0] as string[])])).toBe(0);
  });
});
