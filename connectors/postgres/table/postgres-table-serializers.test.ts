import { PostgresTableEnumeratorStateSerializer } from './serializers/postgres-table-enumerator-state-serializer';
import { PostgresTableSplitSerializer } from './serializers/postgres-table-split-serializer';
import type { PostgresTableSplit } from './postgres-table-split';

describe('postgres table source serializers', () => {
  const splits = new PostgresTableSplitSerializer();
  const states = new PostgresTableEnumeratorStateSerializer();
  const range: PostgresTableSplit = { splitId: 'range-0002', kind: 'range', lower: '10', upper: '20', upperInclusive: false, after: '15' };
  const incremental: PostgresTableSplit = { splitId: 'incremental', kind: 'incremental', after: { value: '2024-01-01 00:00:00+00', key: '7' } };
  const roundTrip = <T>(serializer: { version: number; serialize(v: T): unknown; deserialize(version: number, data: unknown): T }, value: T): T =>
    serializer.deserialize(serializer.version, JSON.parse(JSON.stringify(serializer.serialize(value))));

  it('round-trips range and incremental splits, with and without a position', () => {
    for (const split of [range, { ...range, after: undefined }, incremental, { splitId: 'incremental', kind: 'incremental' } as const]) {
      const copy = roundTrip(splits, split);
      expect(copy).toEqual(JSON.parse(JSON.stringify(split)));
    }
    expect(roundTrip(splits, { splitId: 'incremental', kind: 'incremental', after: { value: '9' } })).toEqual({
      splitId: 'incremental',
      kind: 'incremental',
      after: { value: '9' },
    });
  });

  it('round-trips the enumerator state', () => {
    const state = { planned: true, unassigned: [range] };
    expect(roundTrip(states, state)).toEqual(state);
  });

  it('refuses unknown versions and damaged data', () => {
    expect(() => splits.deserialize(2, splits.serialize(range))).toThrow(expect.objectContaining({ code: 'LS_STATE_VERSION' }));
    expect(() => states.deserialize(0, {})).toThrow(expect.objectContaining({ code: 'LS_STATE_VERSION' }));
    expect(() => splits.deserialize(1, { splitId: 'x', kind: 'other' })).toThrow(expect.objectContaining({ code: 'LS_STATE_INVALID' }));
    expect(() => splits.deserialize(1, { splitId: 'x', kind: 'range', lower: 1, upper: '2', upperInclusive: true })).toThrow(
      expect.objectContaining({ code: 'LS_STATE_INVALID' }),
    );
    expect(() => splits.deserialize(1, { splitId: 'other', kind: 'incremental' })).toThrow(expect.objectContaining({ code: 'LS_STATE_INVALID' }));
    expect(() => states.deserialize(1, { planned: 'yes', unassigned: [] })).toThrow(expect.objectContaining({ code: 'LS_STATE_INVALID' }));
  });
});
