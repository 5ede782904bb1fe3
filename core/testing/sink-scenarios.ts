import type { CommitOutcome } from '../api/commit';
import type { LockstepRecord } from '../api/record';
import { checkExactlyOnce, type DeliveryReport } from './delivery-report';
import { SeededRandom } from './seeded-random';
import { defaultIdOf, defaultRecord, type SinkFixture } from './sink-harness';
import { isDone, SinkCheckpointStore, SinkRun } from './sink-run';

/** The input of a sink scenario: ids `r-0 … r-(n-1)`, record i going to subtask i mod parallelism, in order. */
export class SinkInput {
  readonly ids: readonly string[];
  private readonly bySubtask: readonly (readonly LockstepRecord[])[];

  constructor(
    fixture: SinkFixture,
    count: number,
    readonly parallelism: number,
  ) {
    this.ids = Array.from({ length: count }, (_, i) => `r-${i}`);
    const make = fixture.makeRecord ?? defaultRecord;
    this.bySubtask = Array.from({ length: parallelism }, (_, subtask) =>
      this.ids.filter((_, i) => i % parallelism === subtask).map((id) => make(id)),
    );
  }

  /** The next `count` records of `subtask` after `position` (fewer at the end of its input). */
  next(subtask: number, position: number, count: number): readonly LockstepRecord[] {
    return (this.bySubtask[subtask] ?? []).slice(position, position + count);
  }

  remaining(subtask: number, position: number): number {
    return (this.bySubtask[subtask]?.length ?? 0) - position;
  }
}

/** What a sink scenario observed at the destination, and every commit outcome that was not a success. */
export interface SinkScenarioResult {
  readonly report: DeliveryReport;
  readonly failedOutcomes: readonly string[];
  readonly restores: number;
}

/** Reads the destination and checks it against the input ids. */
export async function committedReport(fixture: SinkFixture, ids: readonly string[]): Promise<DeliveryReport> {
  const idOf = fixture.idOf ?? defaultIdOf;
  return checkExactlyOnce(ids, (await fixture.readCommitted()).map(idOf));
}

/** Writes everything each subtask has left, then takes the final checkpoint, completes and commits it. */
export async function finishInput(run: SinkRun, input: SinkInput): Promise<CommitOutcome[]> {
  for (let subtask = 0; subtask < input.parallelism; subtask += 1) {
    const position = run.positions[subtask] ?? 0;
    await run.write(subtask, input.next(subtask, position, input.remaining(subtask, position)));
  }
  run.complete(await run.prepare(true));
  return run.commit();
}

/**
 * A random life of a pipeline's sink: writes in random batches on random subtasks, checkpoints (a quarter aborted),
 * commits (sometimes late, sometimes cut short by a crash) and `crashes` crashes at random points, each followed by
 * recovery from the last completed checkpoint and a replay of the input from its positions.
 */
export async function runRandomSinkScenario(
  fixture: SinkFixture,
  seed: number,
  crashes: number,
): Promise<SinkScenarioResult> {
  const random = new SeededRandom(seed);
  const input = new SinkInput(fixture, 120, fixture.parallelism ?? 2);
  const store = new SinkCheckpointStore();
  const failed: string[] = [];
  const note = (when: string, outcomes: readonly CommitOutcome[]): void => {
    for (const outcome of outcomes) if (!isDone(outcome)) failed.push(`${when}: ${JSON.stringify(outcome)}`);
  };
  const crashed: SinkRun[] = [];
  let run = await SinkRun.start(fixture, store);
  try {
    for (;;) {
      const live = run.positions.flatMap((at, subtask) => (input.remaining(subtask, at) > 0 ? [subtask] : []));
      // crashes still due when the input ran out happen before the final checkpoint: every run sees all of them
      if (live.length === 0 && crashed.length >= crashes) break;
      const roll = live.length === 0 ? 1 : random.next();
      if (roll < 0.7) {
        const subtask = random.pick(live);
        await run.write(subtask, input.next(subtask, run.positions[subtask] ?? 0, random.int(1, 8)));
      } else if (roll < 0.92 || crashed.length >= crashes) {
        const prepared = await run.prepare();
        if (random.chance(0.75)) {
          run.complete(prepared);
          if (random.chance(0.8)) note(`commit of checkpoint ${prepared.checkpointId}`, await run.commit());
        }
      } else {
        if (random.chance(0.3)) note('partial commit', await run.commit(random.int(0, 2)));
        crashed.push(run);
        run = await SinkRun.start(fixture, store);
        note(`recovery ${crashed.length}`, run.recoveryOutcomes);
      }
    }
    note('final commit', await finishInput(run, input));
    await run.close();
    return { report: await committedReport(fixture, input.ids), failedOutcomes: failed, restores: crashed.length };
  } finally {
    await releaseSinkRuns(crashed);
  }
}

/**
 * Closes crashed runs once the test has its answer. A crashed process takes its connections with it; here they would
 * leak into the next test. A crashed writer's close may fail (fenced, already aborted): that does not matter then.
 */
export async function releaseSinkRuns(runs: readonly SinkRun[]): Promise<void> {
  for (const run of runs) {
    try {
      await run.close();
    } catch {
      // see above: the outcome of closing a crashed run is not part of any check
    }
  }
}
