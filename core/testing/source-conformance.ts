/// <reference types="jest" />
import type { SourceSplit } from '../api/source-split';
import { EXACTLY_ONCE } from './delivery-report';
import { SeededRandom } from './seeded-random';
import { roundTrip, unknownVersionError } from './serializer-checks';
import type { SourceConformanceHarness, SourceFixture } from './source-harness';
import { SourceRun } from './source-run';
import {
  randomSourceSteps,
  runSourceScenario,
  snapshotBeforeAndAfterReading,
  type SourceStep,
} from './source-scenarios';

const DEFAULT_SEEDS = [1, 2, 3, 4, 5];
const TEST_TIMEOUT_MS = 30_000;

/** Scripted scenarios every replayable source must pass, by name. */
const SCRIPTED: ReadonlyArray<readonly [string, readonly SourceStep[]]> = [
  ['reads every record exactly once without failures', []],
  ['starts over after a crash before the first checkpoint', [{ do: 'poll', times: 3 }, { do: 'crash' }]],
  [
    'replays exactly what follows the checkpoint it restores from',
    [{ do: 'poll', times: 4 }, { do: 'checkpoint', complete: true }, { do: 'poll', times: 3 }, { do: 'crash' }],
  ],
  [
    'restores from the last completed checkpoint when a later one was aborted',
    [
      { do: 'poll', times: 3 },
      { do: 'checkpoint', complete: true },
      { do: 'poll', times: 3 },
      { do: 'checkpoint', complete: false },
      { do: 'poll', times: 3 },
      { do: 'crash' },
    ],
  ],
  [
    'restores from a checkpoint taken after an aborted one',
    [
      { do: 'poll', times: 2 },
      { do: 'checkpoint', complete: false },
      { do: 'poll', times: 3 },
      { do: 'checkpoint', complete: true },
      { do: 'poll', times: 2 },
      { do: 'crash' },
    ],
  ],
  [
    'survives crashing again right after a restore',
    [
      { do: 'poll', times: 3 },
      { do: 'checkpoint', complete: true },
      { do: 'crash' },
      { do: 'crash' },
      { do: 'poll', times: 2 },
      { do: 'checkpoint', complete: true },
      { do: 'poll', times: 1 },
      { do: 'crash' },
    ],
  ],
];

/**
 * Declares the source conformance tests for one connector: reading with checkpoints at random points, crashes
 * (readers dropped without `close`), restores from the last completed checkpoint, aborted checkpoints, and the split
 * and enumerator serializers. Every expected id must arrive exactly once counting what each crashed run read up to its
 * last completed checkpoint, and no restored run may re-read what came before its checkpoint.
 *
 * Call it at the top level of a `*.conformance.test.ts` file beside the connector.
 */
export function describeSourceConformance(name: string, harness: SourceConformanceHarness): void {
  describe(`${name}: source conformance`, () => {
    let fixture: SourceFixture | undefined;
    const setup = async (): Promise<SourceFixture> => {
      fixture = await harness.setup();
      return fixture;
    };
    afterEach(async () => {
      await fixture?.cleanup();
      fixture = undefined;
    });

    it('is replayable: it declares so', async () => {
      expect((await setup()).createSource().guarantee).toBe('replayable');
    });

    it.each(SCRIPTED)(
      '%s',
      async (_title, steps) => {
        const result = await runSourceScenario(await setup(), steps, 11);
        expect(result.report).toEqual(EXACTLY_ONCE);
        expect(result.repeatedBeforeCheckpoint).toEqual([]);
        expect(result.restores).toBe(steps.filter((step) => step.do === 'crash').length);
      },
      TEST_TIMEOUT_MS,
    );

    it.each(harness.seeds ?? DEFAULT_SEEDS)(
      'stays exactly-once through random checkpoints and crashes (seed %i)',
      async (seed) => {
        const result = await runSourceScenario(await setup(), randomSourceSteps(seed, 4), seed);
        expect(result.report).toEqual(EXACTLY_ONCE);
        expect(result.repeatedBeforeCheckpoint).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    describeStateTests(setup);
  });
}

/** Snapshots are values (not live objects), and the split and enumerator serializers are versioned. */
function describeStateTests(setup: () => Promise<SourceFixture>): void {
  it(
    'returns snapshots that do not change while reading goes on',
    async () => {
      const { before, after } = await snapshotBeforeAndAfterReading(await setup(), 5);
      expect(after).toBe(before);
    },
    TEST_TIMEOUT_MS,
  );

  it('round-trips split and enumerator states and refuses versions it never wrote', async () => {
    const fixture = await setup();
    const source = fixture.createSource();
    const random = new SeededRandom(9);
    const run = await SourceRun.start(source, fixture.parallelism ?? 2);
    await run.poll(random);
    const taken = run.checkpoint(1);
    await run.close();
    const splits: SourceSplit[] = taken.splitStates.flat();
    expect(splits.length).toBeGreaterThan(0);
    for (const split of splits) expect(roundTrip(source.splitSerializer, split)).toEqual(split);
    expect(roundTrip(source.enumeratorStateSerializer, taken.enumeratorState)).toEqual(taken.enumeratorState);
    expect(unknownVersionError(source.splitSerializer, splits[0] as SourceSplit)).toMatchObject({
      code: 'LS_STATE_VERSION',
    });
    expect(unknownVersionError(source.enumeratorStateSerializer, taken.enumeratorState)).toMatchObject({
      code: 'LS_STATE_VERSION',
    });
  });
}
