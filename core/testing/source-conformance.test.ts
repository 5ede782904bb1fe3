import type { LockstepRecord } from '../api/record';
import type { Source } from '../api/source';
import type { PollResult, SourceReader } from '../api/source-reader';
import type { SourceSplit } from '../api/source-split';
import type { SplitEnumerator, SplitEnumeratorContext } from '../api/split-enumerator';
import { LockstepError } from '../errors';
import { EXACTLY_ONCE } from './delivery-report';
import type { SourceFixture } from './source-harness';
import { describeSourceConformance } from './source-conformance';
import { randomSourceSteps, runSourceScenario, snapshotBeforeAndAfterReading } from './source-scenarios';

/** The ways the list source below can be broken, to prove the suite notices. */
type Bug = 'none' | 'snapshot-lags' | 'snapshot-runs-ahead' | 'snapshot-is-live';

interface ListSplit extends SourceSplit {
  next: number;
}

const LISTS = 4;
const PER_LIST = 30;
const idOf = (list: number, index: number): string => `${list}-${index}`;

/** A replayable in-memory source: LISTS lists of PER_LIST records, one split per list. */
function listSource(bug: Bug): Source<ListSplit, { unassigned: ListSplit[] }> {
  const serializer = {
    version: 1,
    serialize: (split: ListSplit) => ({ splitId: split.splitId, next: split.next }),
    deserialize: (version: number, data: unknown): ListSplit => {
      if (version !== 1) throw new LockstepError('unknown', { code: 'LS_STATE_VERSION' });
      return { ...(data as ListSplit) };
    },
  };
  return {
    guarantee: 'replayable',
    bounded: true,
    splitSerializer: serializer,
    enumeratorStateSerializer: {
      version: 1,
      serialize: (state) => ({ unassigned: state.unassigned.map(serializer.serialize) }),
      deserialize: (version, data) => {
        if (version !== 1) throw new LockstepError('unknown', { code: 'LS_STATE_VERSION' });
        const { unassigned } = data as { unassigned: unknown[] };
        return { unassigned: unassigned.map((split) => serializer.deserialize(1, split)) };
      },
    },
    createEnumerator: (context) =>
      listEnumerator(context, Array.from({ length: LISTS }, (_, list) => ({ splitId: String(list), next: 0 }))),
    restoreEnumerator: (context, _init, state) => listEnumerator(context, state.unassigned),
    createReader: () => listReader(bug),
  };
}

function listEnumerator(
  context: SplitEnumeratorContext<ListSplit>,
  splits: ListSplit[],
): SplitEnumerator<ListSplit, { unassigned: ListSplit[] }> {
  const unassigned = [...splits];
  return {
    start: async () => {
      unassigned.splice(0).forEach((split, i) => context.assignSplits(i % context.parallelism, [split]));
      for (let subtask = 0; subtask < context.parallelism; subtask += 1) context.signalNoMoreSplits(subtask);
    },
    addSplitsBack: (back, subtask) => context.assignSplits(subtask, back),
    snapshotState: () => ({ unassigned: [...unassigned] }),
    close: async () => undefined,
  };
}

function listReader(bug: Bug): SourceReader<ListSplit> {
  const splits: ListSplit[] = [];
  let noMore = false;
  return {
    start: async () => undefined,
    addSplits: (added) => splits.push(...added.map((split) => ({ ...split }))),
    notifyNoMoreSplits: () => (noMore = true),
    pollNext: async (max): Promise<PollResult> => {
      const split = splits.find((candidate) => candidate.next < PER_LIST);
      if (split === undefined) return noMore ? { status: 'end-of-input' } : { status: 'nothing-available' };
      const records: LockstepRecord[] = [];
      while (records.length < max && split.next < PER_LIST) {
        records.push({ value: idOf(Number(split.splitId), split.next++) });
      }
      return { status: 'records', records };
    },
    isAvailable: async () => undefined,
    snapshotState: () => {
      if (bug === 'snapshot-is-live') return splits;
      const shift = bug === 'snapshot-lags' ? -1 : bug === 'snapshot-runs-ahead' ? 1 : 0;
      const clamp = (next: number): number => Math.max(0, Math.min(PER_LIST, next));
      return splits.map((split) => ({ splitId: split.splitId, next: clamp(split.next + shift) }));
    },
    close: async () => undefined,
  };
}

function fixtureOf(bug: Bug): SourceFixture {
  return {
    createSource: () => listSource(bug),
    expectedIds: Array.from({ length: LISTS * PER_LIST }, (_, i) => idOf(Math.floor(i / PER_LIST), i % PER_LIST)),
    recordId: (record) => String(record.value),
    cleanup: async () => undefined,
  };
}

describeSourceConformance('in-memory list source', { setup: async () => fixtureOf('none') });

describe('source conformance scenarios catch broken sources', () => {
  const crashAfterCheckpoint = randomSourceSteps(3, 4);

  it('finds duplicates when a snapshot lags behind what was read', async () => {
    const result = await runSourceScenario(fixtureOf('snapshot-lags'), crashAfterCheckpoint, 3);
    expect(result.report.duplicates.length).toBeGreaterThan(0);
    expect(result.repeatedBeforeCheckpoint.length).toBeGreaterThan(0);
  });

  it('finds lost records when a snapshot runs ahead of what was read', async () => {
    const result = await runSourceScenario(fixtureOf('snapshot-runs-ahead'), crashAfterCheckpoint, 3);
    expect(result.report.missing.length).toBeGreaterThan(0);
  });

  it('finds a snapshot that keeps changing after it was taken', async () => {
    const { before, after } = await snapshotBeforeAndAfterReading(fixtureOf('snapshot-is-live'), 5);
    expect(after).not.toBe(before);
  });

  it('passes the same scenario with the correct source', async () => {
    const result = await runSourceScenario(fixtureOf('none'), crashAfterCheckpoint, 3);
    expect(result.report).toEqual(EXACTLY_ONCE);
    expect(result.restores).toBe(4);
  });
});
