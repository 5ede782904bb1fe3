/// <reference types="jest" />
import type { CommitOutcome } from '../api/commit';
import { EXACTLY_ONCE } from './delivery-report';
import { roundTrip, unknownVersionError } from './serializer-checks';
import type { CommittableEntry } from './sink-run';
import { committedReport, finishInput } from './sink-scenarios';
import { listUncommitted, type SinkWorld } from './sink-world';

const TEST_TIMEOUT_MS = 30_000;
const test = (title: string, fn: () => Promise<void>): void => it(title, fn, TEST_TIMEOUT_MS);
const kinds = (outcomes: readonly CommitOutcome[]): string[] => outcomes.map((outcome) => outcome.kind);

/** The tests only two-phase-commit sinks get: visibility, commit and recovery rules of pre-committed work. */
export function describeTwoPhaseCommitRules(setup: () => Promise<SinkWorld>): void {
  describeCommits(setup);
  describeRecovery(setup);
  describeEdges(setup);
}

/** Nothing visible before commit; commits by a new committer, replayed, and after an aborted checkpoint. */
function describeCommits(setup: () => Promise<SinkWorld>): void {
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
}

/** Orphans of a crashed run: removed by the new writers of their own subtask, with or without a checkpoint. */
function describeRecovery(setup: () => Promise<SinkWorld>): void {
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
}

/** Empty checkpoints, closing after a failure, the committable serializer. */
function describeEdges(setup: () => Promise<SinkWorld>): void {
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
