/// <reference types="jest" />
import { EXACTLY_ONCE } from './delivery-report';
import type { SinkConformanceHarness } from './sink-harness';
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
