import type { CommitOutcome, CommitRequest } from '../api/commit';
import type { ExactlyOnceMechanism } from '../api/guarantee';
import type { LockstepRecord } from '../api/record';
import { supportsCommitter, type CommittingSink, type Sink } from '../api/sink';
import type { CommittingSinkWriter, SinkWriter } from '../api/sink-writer';
import { LockstepError } from '../errors';
import type { SinkFixture } from './sink-harness';
import { describeSinkConformance } from './sink-conformance';
import { SinkCheckpointStore, SinkRun } from './sink-run';
import { runRandomSinkScenario } from './sink-scenarios';

/** The ways the in-memory sinks below can be broken, to prove the suite notices. */
type Bug = 'none' | 'commit-not-idempotent' | 'appends-instead-of-upserts';

interface MemoryCommittable {
  readonly key: string;
}

/** A destination in memory: committed values, pre-committed transactions, open transactions by writer instance. */
class MemoryDestination {
  readonly committed: unknown[] = [];
  readonly committedData = new Map<string, unknown[]>();
  readonly prepared = new Map<string, { subtask: number; checkpointId: number; values: unknown[] }>();
  readonly open = new Map<object, { subtask: number; values: unknown[] }>();
  readonly upserted = new Map<string, unknown>();
}

const committableSerializer = {
  version: 1,
  serialize: (committable: MemoryCommittable) => ({ key: committable.key }),
  deserialize: (version: number, data: unknown): MemoryCommittable => {
    if (version !== 1) throw new LockstepError('unknown', { code: 'LS_STATE_VERSION' });
    return { key: (data as MemoryCommittable).key };
  },
};

function twoPhaseSink(destination: MemoryDestination, bug: Bug): Sink<MemoryCommittable> {
  return {
    guarantee: 'exactly-once',
    mechanism: 'two-phase-commit',
    committableSerializer,
    createWriter: (init): CommittingSinkWriter<MemoryCommittable> => {
      const self = {};
      return {
        init: async () => {
          for (const [key, entry] of destination.prepared) {
            const orphan = init.restoredCheckpointId === undefined || entry.checkpointId > init.restoredCheckpointId;
            if (entry.subtask === init.subtask && orphan) destination.prepared.delete(key);
          }
          for (const [writer, entry] of destination.open) {
            if (entry.subtask === init.subtask) destination.open.delete(writer);
          }
        },
        write: async (records: readonly LockstepRecord[]) => {
          const entry = destination.open.get(self) ?? { subtask: init.subtask, values: [] };
          entry.values.push(...records.map((record) => record.value));
          destination.open.set(self, entry);
        },
        flush: async () => undefined,
        prepareCommit: async (checkpointId) => {
          const entry = destination.open.get(self);
          destination.open.delete(self);
          if (entry === undefined) return [];
          const key = `${init.subtask}:${checkpointId}`;
          destination.prepared.set(key, { subtask: init.subtask, checkpointId, values: entry.values });
          return [{ key }];
        },
        close: async () => void destination.open.delete(self),
      };
    },
    createCommitter: () => ({
      commit: async (requests: readonly CommitRequest<MemoryCommittable>[]) =>
        requests.map(({ committable: { key } }): CommitOutcome => {
          const prepared = destination.prepared.get(key);
          const done = destination.committedData.get(key);
          if (prepared !== undefined) {
            destination.prepared.delete(key);
            destination.committedData.set(key, prepared.values);
            destination.committed.push(...prepared.values);
            return { kind: 'committed' };
          }
          if (done === undefined) return { kind: 'failed-known', reason: `${key} is gone` };
          if (bug === 'commit-not-idempotent') destination.committed.push(...done);
          return { kind: 'already-committed' };
        }),
      close: async () => undefined,
    }),
  };
}

function idempotentSink(destination: MemoryDestination, bug: Bug): Sink {
  return {
    guarantee: 'exactly-once',
    mechanism: 'idempotent-writes',
    createWriter: (): SinkWriter => ({
      init: async () => undefined,
      write: async (records) => {
        for (const record of records) {
          const { id } = record.value as { id: string };
          if (bug === 'appends-instead-of-upserts') destination.committed.push(record.value);
          else destination.upserted.set(id, record.value);
        }
      },
      flush: async () => undefined,
      close: async () => undefined,
    }),
  };
}

function fixtureOf(mechanism: ExactlyOnceMechanism, bug: Bug): SinkFixture {
  const destination = new MemoryDestination();
  return {
    createSink: () =>
      mechanism === 'two-phase-commit' ? twoPhaseSink(destination, bug) : idempotentSink(destination, bug),
    readCommitted: async () => [...destination.committed, ...destination.upserted.values()],
    listUncommitted: async () => [
      ...destination.prepared.keys(),
      ...[...destination.open.values()].map((entry) => `open:${entry.subtask}`),
    ],
    cleanup: async () => undefined,
  };
}

describeSinkConformance('in-memory two-phase-commit sink', {
  mechanism: 'two-phase-commit',
  setup: async () => fixtureOf('two-phase-commit', 'none'),
});

describeSinkConformance('in-memory idempotent sink', {
  mechanism: 'idempotent-writes',
  setup: async () => fixtureOf('idempotent-writes', 'none'),
});

describe('sink conformance scenarios catch broken sinks', () => {
  it('finds duplicates when a replayed commit writes again', async () => {
    const broken = (seed: number) =>
      runRandomSinkScenario(fixtureOf('two-phase-commit', 'commit-not-idempotent'), seed, 3);
    const results = await Promise.all([1, 2, 3].map(broken));
    expect(results.some((result) => result.report.duplicates.length > 0)).toBe(true);
  });

  it('finds duplicates when an idempotent sink appends replayed records', async () => {
    const result = await runRandomSinkScenario(fixtureOf('idempotent-writes', 'appends-instead-of-upserts'), 1, 3);
    expect(result.report.duplicates.length).toBeGreaterThan(0);
  });
});

describe('SinkRun recovers sinks as the engine does', () => {
  it('hands the writers the committables the recovery commit left pending', async () => {
    const destination = new MemoryDestination();
    const pendingSeen: unknown[][] = [];
    let retry = false;
    const sink = (): CommittingSink<MemoryCommittable> => {
      const inner = twoPhaseSink(destination, 'none');
      if (!supportsCommitter(inner)) throw new Error('expected a committing sink');
      return {
        ...inner,
        createWriter: (init, state) => {
          pendingSeen.push([...init.pendingCommittables]);
          return inner.createWriter(init, state);
        },
        createCommitter: (init) => {
          const committer = inner.createCommitter(init);
          return {
            commit: async (requests) => (retry ? requests.map((): CommitOutcome => ({ kind: 'retry-later', reason: 'busy' })) : committer.commit(requests)),
            close: () => committer.close(),
          };
        },
      };
    };
    const fixture = { ...fixtureOf('two-phase-commit', 'none'), createSink: sink, parallelism: 1 };
    const store = new SinkCheckpointStore();
    const run = await SinkRun.start(fixture, store);
    await run.write(0, [{ value: { id: 'r-0' } }]);
    run.complete(await run.prepare());
    retry = true;
    const recovered = await SinkRun.start(fixture, store);
    expect(recovered.recoveryOutcomes.map((outcome) => outcome.kind)).toEqual(['retry-later']);
    expect(pendingSeen).toEqual([[], [{ key: '0:1' }]]);
    expect([...destination.prepared.keys()]).toEqual(['0:1']);
    await recovered.close();
    await run.close();
  });
});
