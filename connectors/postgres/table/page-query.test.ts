import { incrementalPageQuery, rangePageQuery } from './page-query';

describe('keyset page queries', () => {
  const range = { splitId: 'range-0001', kind: 'range', lower: '100', upper: '200', upperInclusive: false } as const;

  it('starts a range at its lower bound, then continues after the last key, never with OFFSET', () => {
    expect(rangePageQuery('"public"."orders"', 'id', range, 500)).toEqual({
      text: 'SELECT * FROM "public"."orders" WHERE "id" >= $1 AND "id" < $2 ORDER BY "id" LIMIT 500',
      values: ['100', '200'],
    });
    expect(rangePageQuery('"orders"', 'Id', { ...range, upperInclusive: true, after: '150' }, 10)).toEqual({
      text: 'SELECT * FROM "orders" WHERE "Id" > $1 AND "Id" <= $2 ORDER BY "Id" LIMIT 10',
      values: ['150', '200'],
    });
  });

  it('pages an incremental read by (column, key) row comparison, with the lag as an upper bound', () => {
    const columns = { incrementalColumn: 'updated_at', keyColumn: 'id', lagMs: 0 };
    expect(incrementalPageQuery('"t"', columns, { splitId: 'incremental', kind: 'incremental' }, 5)).toEqual({
      text: 'SELECT * FROM "t" WHERE "updated_at" IS NOT NULL AND "id" IS NOT NULL ORDER BY "updated_at", "id" LIMIT 5',
      values: [],
    });
    const after = { splitId: 'incremental', kind: 'incremental', after: { value: '2024-01-01 00:00:00+00', key: '7' } } as const;
    expect(incrementalPageQuery('"t"', { ...columns, lagMs: 30_000 }, after, 5)).toEqual({
      text:
        'SELECT * FROM "t" WHERE ("updated_at", "id") > ($1, $2) AND "updated_at" <= now() - $3 * interval \'1 millisecond\' ' +
        'ORDER BY "updated_at", "id" LIMIT 5',
      values: ['2024-01-01 00:00:00+00', '7', 30_000],
    });
  });

  it('pages by the incremental column alone when it has no tie-breaker', () => {
    const columns = { incrementalColumn: 'seq', keyColumn: undefined, lagMs: 0 };
    expect(incrementalPageQuery('"t"', columns, { splitId: 'incremental', kind: 'incremental', after: { value: '41' } }, 3)).toEqual({
      text: 'SELECT * FROM "t" WHERE "seq" > $1 ORDER BY "seq" LIMIT 3',
      values: ['41'],
    });
  });

  it('refuses a page size that is not a positive integer', () => {
    expect(() => rangePageQuery('"t"', 'id', range, 0)).toThrow('page size');
  });
});
