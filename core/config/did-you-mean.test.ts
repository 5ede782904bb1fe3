import { closestName } from './did-you-mean';

describe('did-you-mean hints', () => {
  const names = ['interval', 'timeout', 'storage', 'retain', 'table'];

  it.each([
    ['intervall', 'interval'],
    ['interval', 'interval'],
    ['tiemout', 'timeout'],
    ['tabel', 'table'],
    ['Table', 'table'],
    ['storag', 'storage'],
  ])('suggests %p for %p', (word, expected) => {
    expect(closestName(word, names)).toBe(expected);
  });

  it.each(['schedule', 'x', 'tables-and-more'])('suggests nothing for %p', (word) => {
    expect(closestName(word, names)).toBeUndefined();
  });
});
