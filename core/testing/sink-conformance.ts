/// <reference types="jest" />
import type { CommitOutcome } from '../api/commit';
import { EXACTLY_ONCE } from './delivery-report';
import { roundTrip, unknownVersionError } from './serializer-checks';
import type { SinkConformanceHarness, SinkFixture } from './sink-harness';
import { SinkCheckpointStore, SinkRun, type CommittableEntry } from './sink-run';
import { committedReport, finishInput, releaseSinkRuns, runRandomSinkScenario, SinkInput } from './sink-scenarios';

const DEFAULT_SEEDS = [1, 2, 3, 4, 5];
const TEST_TIMEOUT_MS = 30_000;

/** A test's world: the fixture, its input, the store that outlives crashes, and crashed runs to release at the end. */
interface SinkWorld {
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

const kinds = (outcomes: readonly CommitOutcome[]): string[] => outcomes.map((outcome) => outcome.kind);

/**
 * Declares the sink conformance tests for one connector. Two-phase-commit sinks are checked for: nothing visible
 * before commit; commit from the serialized committable by a new committer after a crash; a replayed commit answering
 * `already-committed` without duplicating; an aborted checkpoint committed with the next one; orphans of the crashed
 * run (pre-committed after the restored checkpoint, or still open) gone after a new writer's `init()`, other subtasks'
 * left alone; `close()` aborting what is open; the committable serializer. Every sink is checked for duplicates and
 * loss through random checkpoints, aborts and crashes.
 *
 * Call it at the top level of a `*.conformance.test.ts` file beside the connector.
 */
export function describeSinkConformance(name: string, harness: SinkConformanceHarness): void {
  describe(`${name}: sink conformance`, () => {
    let world: SinkWorld | undefined;
    const setup = async (records = 20): Promise<SinkWorld> => {
      world = createWorld(await harness.setup(), records);
      return world;
    };
    afterEach(async () => {
      if (world === undefined) return;
      await releaseSinkRuns(world.crashed);
      await world.fixture.cleanup();
      world = undefined;
    });

    it('declares exactly-once and how it keeps it', async () => {
      const sink = (await setup()).fixture.createSink();
      expect({ guarantee: sink.guarantee, mechanism: sink.mechanism }).toEqual({
        guarantee: 'exactly-once',
        mechanism: harness.mechanism,
      });
    });

    if (harness.mechanism === 'two-phase-commit') describeTwoPhaseCommit(setup);

    it.each(harness.seeds ?? DEFAULT_SEEDS)(
      'keeps every record exactly once through random checkpoints, aborts and crashes (seed %i)',
      async (seed) => {
        const result = await runRandomSinkScenario((await setup()).fixture, seed, 3);
        expect(result.failedOutcomes).toEqual([]);
        expect(result.report).toEqual(EXACTLY_ONCE);
      },
      TEST_TIMEOUT_MS,
    );
  });
}

function createWorld(fixture: SinkFixture, records: number): SinkWorld {
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
    idsUpTo: (positions) => input.ids.filter((_, i) => Math.floor(i / input.parallelism) < (positions[i % input.parallelism] ?? 0)),
  };
}

function describeTwoPhaseCommit(setup: () => Promise<SinkWorld>): void {
  const test = (title: string, fn: () => Promise<void>): void => it(title, fn, TEST_TIMEOUT_MS);

  test('keeps written records invisible until their checkpoint is committed', async () => {
    const world = await setup();
    const run = await world.start();
    await world.writeEach(run, 3);
    const prepared = await run.prepare();
    expect(await world.fixture.readCommitted()).toEqual([]);
    run.complete(prepared);
    expect(await world.fixture.readCommitted()).toEqual([]);
    expect(kinds(await run.commit())).toEqual(prepared.committables.map(() => 'committed'));
    expect(await committedReport(world.fixture, world.idsUpTo(prepared.positions))).toEqual(EXACTLY_ONCE);
    await run.close();
  });

  test('commits after a crash with a new committer from the serialized committables', async () => {
    const world = await setup();
    const run = await world.start();
    await world.writeEach(run, 4);
    const prepared = await run.prepare();
    run.complete(prepared);
    world.crashed.push(run);
    const recovered = await world.start();
    expect(kinds(recovered.recoveryOutcomes)).toEqual(prepared.committables.map(() => 'committed'));
    expect(await committedReport(world.fixture, world.idsUpTo(prepared.positions))).toEqual(EXACTLY_ONCE);
    expect(kinds(await finishInput(recovered, world.input)).filter((kind) => kind !== 'committed')).toEqual([]);
    expect(await committedReport(world.fixture, world.input.ids)).toEqual(EXACTLY_ONCE);
    await recovered.close();
  });

  test('answers a replayed commit with already-committed and does not duplicate', async () => {
    const world = await setup();
    const run = await world.start();
    await world.writeEach(run, 4);
    const prepared = await run.prepare();
    run.complete(prepared);
    expect(kinds(await run.commit())).toEqual(prepared.committables.map(() => 'committed'));
    world.crashed.push(run);
    const recovered = await world.start();
    expect(kinds(recovered.recoveryOutcomes)).toEqual(prepared.committables.map(() => 'already-committed'));
    expect(kinds(await recovered.commitEntries(prepared.committables))).toEqual(
      prepared.committables.map(() => 'already-committed'),
    );
    expect(await committedReport(world.fixture, world.idsUpTo(prepared.positions))).toEqual(EXACTLY_ONCE);
    await recovered.close();
  });

  test('commits an aborted checkpoint together with the next completed one', async () => {
    const world = await setup();
    const run = await world.start();
    await world.writeEach(run, 2);
    const aborted = await run.prepare();
    await world.writeEach(run, 3);
    const next = await run.prepare();
    run.complete(next);
    expect(kinds(await run.commit())).toEqual([...aborted.committables, ...next.committables].map(() => 'committed'));
    expect(await committedReport(world.fixture, world.idsUpTo(next.positions))).toEqual(EXACTLY_ONCE);
    await run.close();
  });

  test('removes what the crashed run pre-committed or opened after the restored checkpoint', async () => {
    const world = await setup();
    const run = await world.start();
    await world.writeEach(run, 2);
    run.complete(await run.prepare());
    await run.commit();
    await world.writeEach(run, 2);
    const orphan = await run.prepare();
    await world.writeEach(run, 2);
    world.crashed.push(run);
    const recovered = await world.start();
    expect(await listUncommitted(world)).toEqual([]);
    const stale = kinds(await recovered.commitEntries(orphan.committables));
    expect(stale.filter((kind) => kind === 'committed' || kind === 'already-committed')).toEqual([]);
    await finishInput(recovered, world.input);
    expect(await committedReport(world.fixture, world.input.ids)).toEqual(EXACTLY_ONCE);
    await recovered.close();
  });

  test("leaves other subtasks' pre-committed work to their own writers", async () => {
    const world = await setup();
    const run = await world.start();
    await world.writeEach(run, 2);
    run.complete(await run.prepare());
    await run.commit();
    await world.writeEach(run, 2);
    const prepared = await run.prepare();
    world.crashed.push(run);
    const onlyFirst = await world.start([0]);
    const ofOthers = prepared.committables.filter((entry: CommittableEntry) => entry.subtask !== 0);
    expect(ofOthers.length).toBeGreaterThan(0);
    expect(kinds(await onlyFirst.commitEntries(ofOthers))).toEqual(ofOthers.map(() => 'committed'));
    await onlyFirst.close();
  });

  test('removes leftovers of a crashed run on a fresh start without a checkpoint', async () => {
    const world = await setup();
    const run = await world.start();
    await world.writeEach(run, 3);
    const orphan = await run.prepare();
    await world.writeEach(run, 1);
    world.crashed.push(run);
    const fresh = await world.start();
    expect(await listUncommitted(world)).toEqual([]);
    const stale = kinds(await fresh.commitEntries(orphan.committables));
    expect(stale.filter((kind) => kind === 'committed' || kind === 'already-committed')).toEqual([]);
    expect(await world.fixture.readCommitted()).toEqual([]);
    await finishInput(fresh, world.input);
    expect(await committedReport(world.fixture, world.input.ids)).toEqual(EXACTLY_ONCE);
    await fresh.close();
  });

  test('commits an empty checkpoint without making anything visible', async () => {
    const world = await setup();
    const run = await world.start();
    run.complete(await run.prepare());
    expect(kinds(await run.commit()).filter((kind) => kind !== 'committed')).toEqual([]);
    expect(await world.fixture.readCommitted()).toEqual([]);
    expect(await listUncommitted(world)).toEqual([]);
    await finishInput(run, world.input);
    expect(await committedReport(world.fixture, world.input.ids)).toEqual(EXACTLY_ONCE);
    await run.close();
  });

  test('aborts what is open when a writer is closed after a failure', async () => {
    const world = await setup();
    const run = await world.start();
    await world.writeEach(run, 3);
    await run.closeWriters();
    expect(await listUncommitted(world)).toEqual([]);
    expect(await world.fixture.readCommitted()).toEqual([]);
    await run.close();
  });

  test('round-trips committables and refuses versions it never wrote', async () => {
    const world = await setup();
    const run = await world.start();
    await world.writeEach(run, 1);
    const prepared = await run.prepare();
    await run.close();
    const serializer = run.sink.committableSerializer;
    const entry = prepared.committables[0];
    expect(serializer).toBeDefined();
    expect(entry).toBeDefined();
    if (serializer === undefined || entry === undefined) return;
    const committable = serializer.deserialize(entry.committable.version, entry.committable.data);
    expect(roundTrip(serializer, committable)).toEqual(committable);
    expect(unknownVersionError(serializer, committable)).toMatchObject({ code: 'LS_STATE_VERSION' });
  });
}

/** Uncommitted leftovers, when the fixture can list them ([] otherwise: the stale-commit checks still apply). */
async function listUncommitted(world: SinkWorld): Promise<string[]> {
  return (await world.fixture.listUncommitted?.()) ?? [];
}
