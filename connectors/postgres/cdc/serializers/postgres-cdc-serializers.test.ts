import { roundTrip, unknownVersionError } from '../../../../core/testing';
import type { PostgresCdcSplit } from '../postgres-cdc-split';
import { PostgresCdcEnumeratorStateSerializer } from './postgres-cdc-enumerator-state-serializer';
import { PostgresCdcSplitSerializer } from './postgres-cdc-split-serializer';

describe('postgres-cdc serializers', () => {
  const splits = new PostgresCdcSplitSerializer();

  it.each<[string, PostgresCdcSplit]>([
    ['new', { splitId: 's', progress: { phase: 'new' } }],
    ['snapshot', { splitId: 's', progress: { phase: 'snapshot' } }],
    ['stream', { splitId: 's', progress: { phase: 'stream', position: { lsn: 0x16b374d848n } } }],
    ['stream inside a transaction', { splitId: 's', progress: { phase: 'stream', position: { lsn: 0x10n, partial: { commitLsn: 0x20n, emitted: 3 } } } }],
    [
      'stream with a chunked snapshot under way',
      { splitId: 's', progress: { phase: 'stream', position: { lsn: 0x10n }, snapshot: { tables: ['public.b', 'x.c'], after: ['42', null] } } },
    ],
    ['stream with a snapshot not started', { splitId: 's', progress: { phase: 'stream', position: { lsn: 0x10n }, snapshot: { tables: ['public.b'] } } }],
  ])('round-trips a %s split as JSON text', (_title, split) => {
    expect(splits.deserialize(1, JSON.parse(JSON.stringify(splits.serialize(split))))).toEqual(split);
    expect(roundTrip(splits, split)).toEqual(split);
  });

  it('writes LSNs the way Postgres prints them', () => {
    expect(splits.serialize({ splitId: 's', progress: { phase: 'stream', position: { lsn: 0x16b374d848n, partial: { commitLsn: 0x16b374d900n, emitted: 1 } } } })).toEqual({
      splitId: 's',
      progress: { lsn: '16/B374D848', partial: { commitLsn: '16/B374D900', emitted: 1 } },
    });
  });

  it('refuses damaged states and unknown versions', () => {
    expect(() => splits.deserialize(1, { splitId: 's', progress: { lsn: 'nope' } })).toThrow(expect.objectContaining({ code: 'LS_STATE_INVALID' }));
    expect(() => splits.deserialize(1, { splitId: 's', progress: 'streaming' })).toThrow(expect.objectContaining({ code: 'LS_STATE_INVALID' }));
    expect(() => splits.deserialize(1, { splitId: 's', progress: { lsn: '0/1', partial: { commitLsn: '0/2', emitted: -1 } } })).toThrow(
      expect.objectContaining({ code: 'LS_STATE_INVALID' }),
    );
    expect(() => splits.deserialize(1, { splitId: 's', progress: { lsn: '0/1', snapshot: { tables: [1] } } })).toThrow(expect.objectContaining({ code: 'LS_STATE_INVALID' }));
    expect(() => splits.deserialize(1, { splitId: 's', progress: { lsn: '0/1', snapshot: { tables: [], after: [3] } } })).toThrow(
      expect.objectContaining({ code: 'LS_STATE_INVALID' }),
    );
    expect(unknownVersionError(splits, { splitId: 's', progress: { phase: 'new' } })).toMatchObject({ code: 'LS_STATE_VERSION' });
    const enumerator = new PostgresCdcEnumeratorStateSerializer();
    expect(roundTrip(enumerator, { assigned: true })).toEqual({ assigned: true });
    expect(() => enumerator.deserialize(1, { assigned: 'yes' })).toThrow(expect.objectContaining({ code: 'LS_STATE_INVALID' }));
    expect(unknownVersionError(enumerator, { assigned: false })).toMatchObject({ code: 'LS_STATE_VERSION' });
  });
});
