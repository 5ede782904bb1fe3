import { pino } from 'pino';
import type { CommitOutcome, CommitRequest } from '../api/commit';
import type { SinkWriterInitContext } from '../api/init-context';
import type { VersionedSerializer } from '../api/serializer';
import type { Sink } from '../api/sink';
import type { CommittingSinkWriter, SinkWriter } from '../api/sink-writer';
import { SinkRecovery } from './sink-recovery';

const log = pino({ level: 'silent' });
const text: VersionedSerializer<string> = { version: 1, serialize: (value) => ({ value }), deserialize: (_, data) => (data as { value: string }).value };
const persisted = (checkpointId: number, value: string) => ({ checkpointId, committable: { version: 1, data: { value } }, attempts: 0 });
const writer: SinkWriter = { init: async () => undefined, write: async () => undefined, flush: async () => undefined, close: async () => undefined };

/** A committing sink whose committer answers `answers[committable]` and that records what its writers were told. */
function committingSink(answers: Record<string, CommitOutcome['kind']>, seen: SinkWriterInitContext<string>[], committed: CommitRequest<string>[]): Sink<string> {
  return {
    guarantee: 'exactly-once',
    mechanism: 'two-phase-commit',
    committableSerializer: text,
    createWriter: (init): CommittingSinkWriter<string> => {
      seen.push(init);
      return { ...writer, prepareCommit: async (id) => [`prepared-${id}`] };
    },
    createCommitter: () => ({
      commit: async (requests) => {
        committed.push(...requests);
        return requests.map(({ committable }) => ({ kind: answers[committable] ?? 'committed', reason: 'test' }) as CommitOutcome);
      },
      close: async () => undefined,
    }),
  };
}

describe('SinkRecovery', () => {
  const verifyOwner = async (): Promise<void> => undefined;
  const init = { pipeline: 'p', componentId: 'out', subtask: 1, parallelism: 2, log };

  it('commits the restored committables before any writer, and tells writers what stays pending', async () => {
    const seen: SinkWriterInitContext<string>[] = [];
    const committed: CommitRequest<string>[] = [];
    const sink = committingSink({ b: 'retry-later' }, seen, committed);
    const recovery = new SinkRecovery({
      sinks: [{ sinkId: 'out', sink }],
      restored: { checkpointId: 7, committables: { out: [persisted(6, 'a'), persisted(7, 'b')] } },
      firstCheckpointId: 9,
      ownerEpoch: 4,
      verifyOwner,
      committerContext: () => ({ ...init, subtask: 0, parallelism: 1 }),
      log,
    });
    const outcomes: string[] = [];
    expect(await recovery.commitRestored((_, entry, outcome) => outcomes.push(`${entry.checkpointId}:${outcome.kind}`))).toMatchObject({ committed: 1, retryLater: 1 });
    expect(outcomes).toEqual(['6:committed', '7:retry-later']);
    expect(committed.map((request) => [request.committable, request.checkpointId])).toEqual([['a', 6], ['b', 7]]);
    expect(seen).toEqual([]);

    const handle = recovery.createWriter('out', sink, init, undefined);
    expect(seen).toEqual([{ ...init, restoredCheckpointId: 7, firstCheckpointId: 9, pendingCommittables: ['b'], ownerEpoch: 4, verifyOwner }]);
    expect(await handle.prepareCommit(9)).toEqual([{ version: 1, data: { value: 'prepared-9' } }]);
    expect(handle.snapshotState(9)).toBeUndefined();
    expect(recovery.pending.of('out').map((entry) => entry.checkpointId)).toEqual([7]);
  });

  it('starts fresh without a restored checkpoint; a direct sink has no committer and nothing pending', async () => {
    const contexts: SinkWriterInitContext[] = [];
    const direct: Sink = {
      guarantee: 'at-least-once',
      writerStateSerializer: text,
      createWriter: (context, state) => {
        contexts.push(context);
        return { ...writer, snapshotState: () => `state after ${String(state)}` } as SinkWriter;
      },
    };
    const recovery = new SinkRecovery({ sinks: [{ sinkId: 'out', sink: direct }], restored: undefined, firstCheckpointId: 1, ownerEpoch: 1, verifyOwner, committerContext: () => init, log });
    expect(await recovery.commitRestored()).toBeUndefined();
    expect(recovery.committers).toEqual([]);
    const handle = recovery.createWriter('out', direct, init, { version: 1, data: { value: 'old' } });
    expect(contexts).toEqual([{ ...init, restoredCheckpointId: undefined, firstCheckpointId: 1, pendingCommittables: [], ownerEpoch: 1, verifyOwner }]);
    expect(await handle.prepareCommit(1)).toEqual([]);
    expect(handle.snapshotState(1)).toEqual({ version: 1, data: { value: 'state after old' } });
  });
});
