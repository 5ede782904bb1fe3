import type { ExactlyOnceMechanism } from '../api/guarantee';
import type { LockstepRecord } from '../api/record';
import type { Sink } from '../api/sink';
import { LockstepError } from '../errors';

/**
 * A sink under test with the destination one test writes to: made by {@link SinkConformanceHarness.setup} and
 * removed by `cleanup` after the test.
 */
export interface SinkFixture {
  /**
   * A new sink writing to the prepared destination, as a restarted process would build it from the config: the suite
   * calls it at the start and after every simulated crash, so nothing may be shared between the sinks it returns.
   */
  createSink(): Sink<unknown, unknown>;
  /** Every value a reader of the destination sees now (committed rows, files, documents), in any order. */
  readCommitted(): Promise<unknown[]>;
  /** Names of what is pre-committed or open but not committed (pending files, prepared transactions), any subtask. */
  listUncommitted?(): Promise<string[]>;
  /** The record the suite writes for `id`; by default `{ value: { id, n } }`. */
  makeRecord?(id: string): LockstepRecord;
  /** The id of a value `readCommitted` returned; by default its `id` field. */
  idOf?(value: unknown): string;
  /**
   * At-least-once sinks: the record id a value carries for consumers to deduplicate by (the same on every repeat of a
   * record, a different one for each record).
   */
  recordIdOf?(value: unknown): string;
  /** Writer subtasks the suite runs; 2 by default. */
  readonly parallelism?: number;
  cleanup(): Promise<void>;
}

/** What a connector's test hands to `describeSinkConformance`. */
export interface SinkConformanceHarness {
  /**
   * How the sink keeps exactly-once (two-phase-commit sinks also get the visibility and orphan tests), or
   * `at-least-once` for a sink that may repeat records but marks each with a record id (`SinkFixture.recordIdOf`): it
   * must lose nothing, and deduplicating by record id must leave every record exactly once.
   */
  readonly mechanism: ExactlyOnceMechanism | 'at-least-once';
  /** Prepares a fresh, empty destination for one test. */
  setup(): Promise<SinkFixture>;
  /** Seeds of the randomized crash tests; `[1, 2, 3, 4, 5]` by default. */
  readonly seeds?: readonly number[];
  /** The sink has the `SupportsTraceInspection` ability: it must, and it gets the trace tests. */
  readonly traceInspection?: boolean;
}

/** The record the suite writes for `id` unless the fixture says otherwise. */
export function defaultRecord(id: string): LockstepRecord {
  return { value: { id, n: Number(id.replace(/^\D+/, '')) }, origin: `conformance:${id}` };
}

/** The id of a committed value unless the fixture says otherwise. */
export function defaultIdOf(value: unknown): string {
  if (typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string') {
    return (value as { id: string }).id;
  }
  throw new LockstepError(`committed value has no string id: ${JSON.stringify(value)}`, { code: 'LS_CONFORMANCE_FAILED' });
}
