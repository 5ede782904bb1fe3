import { roundTrip, unknownVersionError } from '../../../core/testing';
import type { KinesisEnumeratorState } from './kinesis-enumerator-state';
import { kinesisSplit, type KinesisSplit } from './kinesis-split';
import { KinesisEnumeratorStateSerializer } from './serializers/kinesis-enumerator-state-serializer';
import { KinesisSplitSerializer } from './serializers/kinesis-split-serializer';

describe('kinesis source serializers', () => {
  const splits = new KinesisSplitSerializer();
  const enumerator = new KinesisEnumeratorStateSerializer();
  const sequence = '49590338271490256608559692538361571095921575989136588898';

  it.each<[string, KinesisSplit]>([
    ['a sequence number', kinesisSplit('shardId-000000000003', { kind: 'after', sequenceNumber: sequence })],
    ['TRIM_HORIZON, bounded', kinesisSplit('shardId-000000000000', { kind: 'trim-horizon' }, 1_700_000_000_000)],
    ['LATEST', kinesisSplit('shardId-000000000001', { kind: 'latest' })],
    ['a timestamp', kinesisSplit('shardId-000000000002', { kind: 'at-timestamp', timestamp: 1_700_000_000_000 })],
    ['a finished shard', { ...kinesisSplit('shardId-000000000004', { kind: 'after', sequenceNumber: sequence }), finished: true }],
  ])('round-trips a split with %s', (_name, split) => {
    expect(roundTrip(splits, split)).toEqual(split);
  });

  it('round-trips enumerator state', () => {
    const state: KinesisEnumeratorState = {
      initialDiscoveryDone: true,
      bounded: { at: 1_700_000_000_000, shards: ['shardId-000000000000'] },
      assigned: [{ shardId: 'shardId-000000000000', subtask: 1 }],
      finished: ['shardId-000000000000'],
    };
    expect(roundTrip(enumerator, state)).toEqual(state);
    const empty: KinesisEnumeratorState = { initialDiscoveryDone: false, assigned: [], finished: [] };
    expect(roundTrip(enumerator, empty)).toEqual(empty);
  });

  it('refuses versions it never wrote and damaged state, naming the problem', () => {
    expect(unknownVersionError(splits, kinesisSplit('s', { kind: 'latest' }))).toMatchObject({ code: 'LS_STATE_VERSION' });
    expect(unknownVersionError(enumerator, { initialDiscoveryDone: true, assigned: [], finished: [] })).toMatchObject({ code: 'LS_STATE_VERSION' });
    expect(() => splits.deserialize(1, { splitId: 'a', shardId: 'b', start: 'latest' })).toThrow(/does not name shard b/);
    expect(() => splits.deserialize(1, { splitId: 'a', shardId: 'a', start: { after: 'x1' } })).toThrow(/not a sequence number/);
    expect(() => enumerator.deserialize(1, { initialDiscoveryDone: true, assigned: [], finished: [3] })).toThrow(/shard id is not a string/);
  });
});
