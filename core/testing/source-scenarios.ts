import { checkExactlyOnce, type DeliveryReport } from './delivery-report';
import { SeededRandom } from './seeded-random';
import type { SourceFixture } from './source-harness';
import { SourceRun, type SourceCheckpoint } from './source-run';

/**
 * One step of a source scenario: poll a few times, take a checkpoint (completed, or aborted: taken and then never
 * used), or crash (drop the run without closing it and restore from the last completed checkpoint).
 */
export type SourceStep =
  | { readonly do: 'poll'; readonly times: number }
  | { readonly do: 'checkpoint'; readonly complete: boolean }
  | { readonly do: 'crash' };

/** What a scenario observed, counting only what a downstream exactly-once sink would have committed. */
export interface SourceScenarioResult {
  /** Over the records up to each run's last completed checkpoint, plus everything of the run that finished. */
  readonly report: DeliveryReport;
  /** Ids a restored run read again although the checkpoint it restored from was taken after they were read. */
  readonly repeatedBeforeCheckpoint: readonly string[];
  /** Number of restores the scenario went through. */
  readonly restores: number;
}

/** Polls that may bring nothing new after an unbounded source delivered every expected id. */
const UNBOUNDED_TAIL_POLLS = 8;

/**
 * Runs `steps` against fresh sources of `fixture`, then reads to the end. Each crash counts what the crashed run read
 * up to its last completed checkpoint as delivered (the rest is what the restore must replay).
 */
export async function runSourceScenario(
  fixture: SourceFixture,
  steps: readonly SourceStep[],
  seed: number,
): Promise<SourceScenarioResult> {
  const random = new SeededRandom(seed);
  const parallelism = fixture.parallelism ?? 2;
  const idsOf = (run: SourceRun, count = run.delivered.length): string[] =>
    run.delivered.slice(0, count).map((record) => fixture.recordId(record));
  const crashed: SourceRun[] = [];
  const committed: string[] = [];
  const repeated: string[] = [];
  let run = await SourceRun.start(fixture.createSource(), parallelism);
  let lastCompleted: SourceCheckpoint | undefined;
  let committedInRun = 0;
  let committedBeforeRun = new Set<string>();
  let nextCheckpointId = 1;
  try {
    for (const step of steps) {
      if (step.do === 'poll') {
        for (let i = 0; i < step.times && !run.finished; i += 1) await run.poll(random);
      } else if (step.do === 'checkpoint') {
        const taken = run.checkpoint(nextCheckpointId++);
        if (step.complete) {
          lastCompleted = taken.checkpoint;
          committedInRun = run.delivered.length;
        }
      } else {
        committed.push(...idsOf(run, committedInRun));
        repeated.push(...idsOf(run).filter((id) => committedBeforeRun.has(id)));
        crashed.push(run);
        committedBeforeRun = new Set(committed);
        run = await SourceRun.start(fixture.createSource(), parallelism, lastCompleted);
        committedInRun = 0;
      }
    }
    await readToEnd(run, random, fixture, committed);
    committed.push(...idsOf(run));
    repeated.push(...idsOf(run).filter((id) => committedBeforeRun.has(id)));
    await run.close();
  } finally {
    await release(crashed);
  }
  return {
    report: checkExactlyOnce(fixture.expectedIds, committed),
    repeatedBeforeCheckpoint: repeated,
    restores: crashed.length,
  };
}

/** Polls until every reader ended; an unbounded source stops once every expected id was read and a few polls more. */
async function readToEnd(
  run: SourceRun,
  random: SeededRandom,
  fixture: SourceFixture,
  committed: readonly string[],
): Promise<void> {
  if (run.source.bounded) {
    while (!run.finished) await run.poll(random);
    return;
  }
  const missing = new Set(fixture.expectedIds);
  for (const id of committed) missing.delete(id);
  let seen = 0;
  let tail = 0;
  while (!run.finished && tail < UNBOUNDED_TAIL_POLLS) {
    await run.poll(random);
    for (const record of run.delivered.slice(seen)) missing.delete(fixture.recordId(record));
    seen = run.delivered.length;
    if (missing.size === 0) tail += 1;
  }
}

/**
 * Closes crashed runs at the end of a test. A crashed process loses its handles with it; here they would leak into
 * the next test, so they are released once nothing reads from them any more. Errors do not matter then.
 */
async function release(runs: readonly SourceRun[]): Promise<void> {
  for (const run of runs) {
    try {
      await run.close();
    } catch {
      // a crashed reader may not be in a state to close cleanly; the test already has its answer
    }
  }
}

/**
 * Takes a checkpoint after a few polls and serializes what the source returned for it twice: right away, and again
 * after reading on. A source whose snapshot shares objects with its live state returns two different texts.
 */
export async function snapshotBeforeAndAfterReading(
  fixture: SourceFixture,
  seed: number,
): Promise<{ readonly before: string; readonly after: string }> {
  const source = fixture.createSource();
  const random = new SeededRandom(seed);
  const run = await SourceRun.start(source, fixture.parallelism ?? 2);
  try {
    for (let i = 0; i < 3; i += 1) await run.poll(random);
    const taken = run.checkpoint(1);
    const serialize = (): string =>
      JSON.stringify({
        enumerator: source.enumeratorStateSerializer.serialize(taken.enumeratorState),
        splits: taken.splitStates.map((splits) => splits.map((split) => source.splitSerializer.serialize(split))),
      });
    const before = serialize();
    for (let i = 0; i < 10 && !run.finished; i += 1) await run.poll(random);
    return { before, after: serialize() };
  } finally {
    await run.close();
  }
}

/** A random scenario of `crashes` crashes, each after some polls and checkpoints (about a quarter of them aborted). */
export function randomSourceSteps(seed: number, crashes: number): SourceStep[] {
  const random = new SeededRandom(seed * 7919);
  const steps: SourceStep[] = [];
  for (let crash = 0; crash < crashes; crash += 1) {
    const checkpoints = random.int(0, 3);
    for (let i = 0; i < checkpoints; i += 1) {
      steps.push({ do: 'poll', times: random.int(1, 6) });
      steps.push({ do: 'checkpoint', complete: random.chance(0.75) });
    }
    steps.push({ do: 'poll', times: random.int(0, 4) });
    steps.push({ do: 'crash' });
  }
  return steps;
}
