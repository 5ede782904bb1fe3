import { roundTrip, unknownVersionError } from '../../../core/testing';
import type { KafkaEnumeratorState } from './kafka-enumerator-state';
import { kafkaSplit, type KafkaSplit } from './kafka-split';
import { KafkaEnumeratorStateSerializer } from './serializers/kafka-enumerator-state-serializer';
import { KafkaSplitSerializer } from './serializers/kafka-split-serializer';

describe('kafka source serializers', () => {
  const splits = new KafkaSplitSerializer();
  const enumerator = new KafkaEnumeratorStateSerializer();

  it.each<[string, KafkaSplit]>([
    ['a resolved offset', kafkaSplit('orders', 3, { kind: 'offset', offset: 1234 })],
    ['a bounded split', kafkaSplit('orders.v2', 0, { kind: 'offset', offset: 0 }, 99)],
    ['earliest', kafkaSplit('a', 1, { kind: 'earliest' })],
    ['latest', kafkaSplit('a', 2, { kind: 'latest' }, 5)],
    ['a timestamp', kafkaSplit('a', 0, { kind: 'timestamp', timestamp: 1_700_000_000_000 })],
  ])('round-trips a split with %s', (_name, split) => {
    expect(roundTrip(splits, split)).toEqual(split);
  });

  it('round-trips enumerator state', () => {
    const state: KafkaEnumeratorState = { initialDiscoveryDone: true, assigned: [{ topic: 'a', partition: 0 }, { topic: 'b-1', partition: 7 }] };
    expect(roundTrip(enumerator, state)).toEqual(state);
    expect(roundTrip(enumerator, { initialDiscoveryDone: false, assigned: [] })).toEqual({ initialDiscoveryDone: false, assigned: [] });
  });

  it('refuses versions it never wrote', () => {
    expect(unknownVersionError(splits, kafkaSplit('a', 0, { kind: 'earliest' }))).toMatchObject({ code: 'LS_STATE_VERSION' });
    expect(unknownVersionError(enumerator, { initialDiscoveryDone: true, assigned: [] })).toMatchObject({ code: 'LS_STATE_VERSION' });
  });

  it.each([
    ['a negative offset', { splitId: 'a-0', topic: 'a', partition: 0, start: { offset: -1 } }],
    ['an unknown start', { splitId: 'a-0', topic: 'a', partition: 0, start: 'middle' }],
    ['a split id that does not name the partition', { splitId: 'a-1', topic: 'a', partition: 0, start: 'earliest' }],
    ['a fractional stop offset', { splitId: 'a-0', topic: 'a', partition: 0, start: 'earliest', stopOffset: 1.5 }],
  ])('refuses damaged split state: %s', (_name, data) => {
    expect(() => splits.deserialize(1, data)).toThrow(expect.objectContaining({ code: 'LS_STATE_INVALID' }));
  });

  it('refuses damaged enumerator state', () => {
    expect(() => enumerator.deserialize(1, { initialDiscoveryDone: 'yes', assigned: [] })).toThrow(
      expect.objectContaining({ code: 'LS_STATE_INVALID' }),
    );
    expect(() => enumerator.deserialize(1, { initialDiscoveryDone: true, assigned: [{ topic: 'a' }] })).toThrow(
      expect.objectContaining({ code: 'LS_STATE_INVALID' }),
    );
  });
});
