import { pace, verdictOf } from './chaos-pipeline';

describe('verdictOf', () => {
  it('finds lost, duplicated, foreign and malformed records', () => {
    const verdict = verdictOf(4, ['r-0', 'r-0', 'r-0', 'r-2', 'r-3', 'r-9', 'x'], ['{"id":"r-1","doubled":3}'], {
      openTransactions: ['p-out-0 Ongoing'],
    });
    expect(verdict).toEqual({
      expected: 4,
      seen: 8,
      lost: 1,
      duplicated: 2,
      foreign: 3,
      openTransactions: ['p-out-0 Ongoing'],
      preparedXacts: [],
      examples: ['lost r-1', 'duplicated r-0', 'foreign r-9', 'foreign x', 'malformed {"id":"r-1","doubled":3}'],
    });
  });

  it('is clean when every record is there once', () => {
    expect(verdictOf(3, ['r-2', 'r-0', 'r-1'], [])).toMatchObject({ seen: 3, lost: 0, duplicated: 0, foreign: 0, examples: [] });
  });
});

describe('pace', () => {
  it('spreads the input over the given seconds', () => {
    expect(pace({ records: 15_000, inputSeconds: 15 })).toBe(1_000);
    expect(pace({ records: 100, inputSeconds: 15 })).toBe(50);
  });
});
