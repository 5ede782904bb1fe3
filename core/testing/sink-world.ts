import type { SinkFixture } from './sink-harness';
import { SinkCheckpointStore, SinkRun } from './sink-run';
import { SinkInput } from './sink-scenarios';

/** A test's world: the fixture, its input, the store that outlives crashes, and crashed runs to release at the end. */
export interface SinkWorld {
  readonly fixture: SinkFixture;
  readonly input: SinkInput;
  readonly store: SinkCheckpointStore;
  readonly crashed: SinkRun[];
  start(subtasks?: readonly number[]): Promise<SinkRun>;
  /** Writes the next `count` records of every subtask. */
  writeEach(run: SinkRun, count: number): Promise<void>;
  /** Ids of the records written so far by `run`'s writers, by position (what a checkpoint at this point covers). */
  idsUpTo(positions: readonly number[]): string[];
}

/** A fresh world over `fixture` with `records` input records. */
export function createWorld(fixture: SinkFixture, records: number): SinkWorld {
  const input = new SinkInput(fixture, records, fixture.parallelism ?? 2);
  const store = new SinkCheckpointStore();
  return {
    fixture,
    input,
    store,
    crashed: [],
    start: (subtasks) => SinkRun.start(fixture, store, subtasks === undefined ? {} : { subtasks }),
    writeEach: async (run, count) => {
      for (let subtask = 0; subtask < input.parallelism; subtask += 1) {
        await run.write(subtask, input.next(subtask, run.positions[subtask] ?? 0, count));
      }
    },
    idsUpTo: (positions) => {
      const { parallelism } = input;
      return input.ids.filter((_, i) => Math.floor(i / parallelism) < (positions[i % parallelism] ?? 0));
    },
  };
}

/** Uncommitted leftovers, when the fixture can list them ([] otherwise: the stale-commit checks still apply). */
export async function listUncommitted(world: SinkWorld): Promise<string[]> {
  return (await world.fixture.listUncommitted?.()) ?? [];
}
