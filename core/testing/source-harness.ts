import type { LockstepRecord } from '../api/record';
import type { Source } from '../api/source';
import type { SourceSplit } from '../api/source-split';

/**
 * A source under test together with the input one test reads: made by {@link SourceConformanceHarness.setup} and
 * removed by `cleanup` after the test.
 */
export interface SourceFixture {
  /**
   * A new source over the prepared input, as a restarted process would build it from the config: the suite calls it
   * at the start and after every simulated crash, so nothing may be shared between the sources it returns.
   */
  createSource(): Source<SourceSplit, unknown>;
  /** The id of every record in the input, each unique. */
  readonly expectedIds: readonly string[];
  /** The id a record read from the input carries. */
  recordId(record: LockstepRecord): string;
  /** Reader subtasks the suite runs; 2 by default. */
  readonly parallelism?: number;
  /** Removes what `setup` created (temp folders, topics). */
  cleanup(): Promise<void>;
}

/**
 * What a connector's test hands to `describeSourceConformance`. The input must be finite: bounded sources end it
 * themselves; for an unbounded source the suite stops once every expected id was read and a few more polls brought
 * nothing new.
 */
export interface SourceConformanceHarness {
  /** Prepares fresh input with known unique ids for one test. */
  setup(): Promise<SourceFixture>;
  /** Seeds of the randomized crash tests; `[1, 2, 3, 4, 5]` by default. */
  readonly seeds?: readonly number[];
}
