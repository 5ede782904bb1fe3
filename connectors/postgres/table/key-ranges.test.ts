import { rangeSplits, splitCount } from './key-ranges';

describe('key ranges', () => {
  it('cuts [min, max] at the boundaries; the last range includes max', () => {
    expect(rangeSplits('1', ['34', '67'], '100')).toEqual([
      { splitId: 'range-0000', kind: 'range', lower: '1', upper: '34', upperInclusive: false },
      { splitId: 'range-0001', kind: 'range', lower: '34', upper: '67', upperInclusive: false },
      { splitId: 'range-0002', kind: 'range', lower: '67', upper: '100', upperInclusive: true },
    ]);
  });

  it('reads a table of one key, or keys that cannot be cut, as one inclusive range', () => {
    expect(rangeSplits('a', [], 'zz')).toEqual([{ splitId: 'range-0000', kind: 'range', lower: 'a', upper: 'zz', upperInclusive: true }]);
    expect(rangeSplits('5', [], '5')).toEqual([{ splitId: 'range-0000', kind: 'range', lower: '5', upper: '5', upperInclusive: true }]);
  });

  it('uses the configured count, else 4 per subtask', () => {
    expect(splitCount(undefined, 3, 4)).toBe(12);
    expect(splitCount(5, 3, 4)).toBe(5);
  });
});
