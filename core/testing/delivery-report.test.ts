import { checkExactlyOnce, EXACTLY_ONCE } from './delivery-report';

describe('checkExactlyOnce', () => {
  it('accepts every id once in any order', () => {
    expect(checkExactlyOnce(['a', 'b', 'c'], ['c', 'a', 'b'])).toEqual(EXACTLY_ONCE);
  });

  it('names duplicates, missing and unexpected ids', () => {
    expect(checkExactlyOnce(['a', 'b', 'c'], ['a', 'a', 'x', 'b'])).toEqual({
      duplicates: ['a'],
      missing: ['c'],
      unexpected: ['x'],
    });
  });
});
