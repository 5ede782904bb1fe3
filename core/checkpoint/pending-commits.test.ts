import pino from 'pino';
import type { CommitOutcome, CommitRequest } from '../api/commit';
import type { PersistedCommittable } from './checkpoint-record';
import { PendingCommits } from './pending-commits';

/** A committer that holds every commit call until `release` and records what it was asked to commit. */
function heldCommitter(outcome: (name: string) => CommitOutcome) {
  const calls: string[][] = [];
  let release: () => void = () => undefined;
  const committer = {
    async commit(requests: readonly CommitRequest<unknown>[]): Promise<CommitOutcome[]> {
      const names = requests.map((request) => String(request.committable));
      calls.push(names);
      await new Promise<void>((resolve) => (release = resolve));
      return names.map(outcome);
    },
    close: () => Promise.resolve(),
  };
  return { committer, calls, release: () => release() };
}

const serializer = { version: 1, serialize: (value: unknown) => value, deserialize: (_: number, data: unknown) => data };
const entry = (checkpointId: number, name: string): PersistedCommittable => ({ checkpointId, committable: { version: 1, data: name }, attempts: 0 });

describe('PendingCommits', () => {
  it('keeps what a later checkpoint added while commits ran, and drops what they committed', async () => {
    const held = heldCommitter((name) => (name === 'retry' ? { kind: 'retry-later', reason: 'busy' } : { kind: 'committed' }));
    const pending = new PendingCommits(new Map([['s', { sinkId: 's', committer: held.committer, serializer }]]), pino({ level: 'silent' }));
    pending.add('s', [entry(1, 'a'), entry(1, 'retry')]);
    const first = pending.commitAll();
    await new Promise((resolve) => setImmediate(resolve));
    // Checkpoint 2 completes while checkpoint 1's commits run.
    pending.add('s', [entry(2, 'b')]);
    held.release();
    expect(await first).toMatchObject({ committed: 1, retryLater: 1 });
    expect(pending.of('s').map((e) => [e.checkpointId, e.committable.data, e.attempts])).toEqual([
      [1, 'retry', 1],
      [2, 'b', 0],
    ]);
    const second = pending.commitAll();
    await new Promise((resolve) => setImmediate(resolve));
    held.release();
    await second;
    expect(held.calls).toEqual([['a', 'retry'], ['retry', 'b']]);
  });
});
