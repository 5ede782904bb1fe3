/// <reference types="jest" />
import { EXACTLY_ONCE } from './delivery-report';
import { defaultIdOf } from './sink-harness';
import type { SinkConformanceHarness, SinkFixture } from './sink-harness';
import { releaseSinkRuns, runRandomSinkScenario } from './sink-scenarios';
import { describeTraceInspectionRules } from './sink-trace-rules';
import { describeTwoPhaseCommitRules } from './sink-two-phase-commit-rules';
import { createWorld, type SinkWorld } from './sink-world';

const DEFAULT_SEEDS = [1, 2, 3, 4, 5];
const TEST_TIMEOUT_MS = 30_000;

/**
 * Declares the sink conformance tests for one connector. Two-phase-commit sinks are checked for: nothing visible
 * before commit; commit from the serialized committable by a new committer after a crash; a replayed commit answering
 * `already-committed` without duplicating; an aborted checkpoint committed with the next one; orphans of the crashed
 * run (pre-committed after the restored checkpoint, or still open) gone after a new writer's `init()`, other subtasks'
 * left alone; `close()` aborting what is open; the committable serializer. Every sink is checked for duplicates and
 * loss through random checkpoints, aborts and crashes. A sink declared with `traceInspection` gets the rules of the
 * `SupportsTraceInspection` ability (traces found and cleared).
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

    if (harness.mechanism === 'at-least-once') {
      describeAtLeastOnceRules(harness, setup);
      return;
    }

    it('declares exactly-once and how it keeps it', async () => {
      const sink = (await setup()).fixture.createSink();
      expect({ guarantee: sink.guarantee, mechanism: sink.mechanism }).toEqual({
        guarantee: 'exactly-once',
        mechanism: harness.mechanism,
      });
    });

    if (harness.mechanism === 'two-phase-commit') describeTwoPhaseCommitRules(setup);
    if (harness.traceInspection === true) describeTraceInspectionRules(setup);

    it.each(harness.seeds ?? DEFAULT_SEEDS)(
      'keeps every record exactly once through random checkpoints, aborts and crashes (seed %i)',
      async (seed) => {
        const result = await runRandomSinkScenario((await setup()).fixture, seed, 3);
        expect(result.failedOutcomes).toEqual([]);
        expect(result.report).toEqual(EXACTLY_ONCE);
        expect(result.restores).toBe(3);
      },
      TEST_TIMEOUT_MS,
    );
  });
}

/**
 * An at-least-once sink through random checkpoints, aborts and crashes: nothing lost, nothing unexpected, and every
 * repeat of a record carries that record's id (one record id per record, one record per record id), so a consumer
 * that drops repeats by record id sees every record exactly once.
 */
function describeAtLeastOnceRules(harness: SinkConformanceHarness, setup: () => Promise<SinkWorld>): void {
  it('declares at-least-once', async () => {
    expect((await setup()).fixture.createSink().guarantee).toBe('at-least-once');
  });

  it.each(harness.seeds ?? DEFAULT_SEEDS)(
    'loses nothing through random checkpoints, aborts and crashes, and repeats carry the record id (seed %i)',
    async (seed) => {
      const { fixture } = await setup();
      const result = await runRandomSinkScenario(fixture, seed, 3);
      expect(result.failedOutcomes).toEqual([]);
      expect({ missing: result.report.missing, unexpected: result.report.unexpected }).toEqual({ missing: [], unexpected: [] });
      expect(recordIdConflicts(fixture, await fixture.readCommitted())).toEqual([]);
      expect(result.restores).toBe(3);
    },
    TEST_TIMEOUT_MS,
  );
}

/** Record ids shared by two records, and records that arrived under two record ids. */
function recordIdConflicts(fixture: SinkFixture, values: readonly unknown[]): string[] {
  const recordIdOf = fixture.recordIdOf;
  if (recordIdOf === undefined) return ['the fixture has no recordIdOf'];
  const idOf = fixture.idOf ?? defaultIdOf;
  const byRecordId = new Map<string, Set<string>>();
  const byId = new Map<string, Set<string>>();
  for (const value of values) {
    const recordId = recordIdOf(value);
    const id = idOf(value);
    byRecordId.set(recordId, (byRecordId.get(recordId) ?? new Set()).add(id));
    byId.set(id, (byId.get(id) ?? new Set()).add(recordId));
  }
  return [
    ...[...byRecordId].filter(([, ids]) => ids.size > 1).map(([recordId, ids]) => `record id ${recordId} on records ${[...ids].join(', ')}`),
    ...[...byId].filter(([, recordIds]) => recordIds.size > 1).map(([id, recordIds]) => `record ${id} under record ids ${[...recordIds].join(', ')}`),
  ];
}
