import { IndexNameProblem, IndexTemplate } from './index-template';

describe('IndexTemplate', () => {
  const record = { value: { service: 'api', at: '2026-03-05T10:00:00Z', n: { x: 1 } }, timestamp: Date.UTC(2026, 0, 2, 7) };

  it('is fixed without placeholders', () => {
    expect(new IndexTemplate('orders').fixed).toBe(true);
    expect(new IndexTemplate('orders').resolve(record)).toBe('orders');
  });

  it('fills fields and UTC dates of the timestamp or of a value field', () => {
    expect(new IndexTemplate('logs-{value.service}-{timestamp:yyyy.MM.dd}').resolve(record)).toBe('logs-api-2026.01.02');
    expect(new IndexTemplate('logs-{service}-{value.at:yyyy-MM-HH}').resolve(record)).toBe('logs-api-2026-03-10');
  });

  it('names the field a record lacks, or a value that is not a scalar or a date', () => {
    expect(new IndexTemplate('x-{value.nope}').resolve(record)).toEqual(new IndexNameProblem("index 'x-{value.nope}': field value.nope is missing, not a scalar"));
    expect(new IndexTemplate('x-{value.n}').resolve(record)).toBeInstanceOf(IndexNameProblem);
    expect(new IndexTemplate('x-{value.service:yyyy}').resolve(record)).toBeInstanceOf(IndexNameProblem);
  });

  it('refuses bad templates', () => {
    expect(() => new IndexTemplate('x-{value.a')).toThrow(/unbalanced/);
    expect(() => new IndexTemplate('x-{value.a:yyyy-ww}')).toThrow(/date pattern/);
  });
});
