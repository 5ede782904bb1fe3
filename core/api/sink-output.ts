import type { InitContext } from './init-context';
import type { Sink } from './sink';

/** One record as a sink's destination holds it after commit. */
export interface CommittedRecord {
  /** The value as written (parsed back where the format allows: a JSON line gives its object). */
  readonly value: unknown;
  /** The record's source position, when the sink stores it (`orders/0@41`); the default key for duplicates. */
  readonly position?: string;
  /**
   * The sink's own identity of the record when it stores no source position (a table's upsert key, the columns a row
   * is written to): `value` compared for duplicates, `name` for the report (`upsert key (id)`). Ignored when
   * `position` is set.
   */
  readonly key?: { readonly name: string; readonly value: string };
  /** Where it lies, for a report: `part-0-000000000003.jsonl:17`, `orders/2@118`. */
  readonly location: string;
}

/**
 * The read-back mix-in (optional, like the `Supports*` abilities): the sink can list what it committed, as a reader
 * of its destination sees it (committed part files, `read_committed` messages, table rows). `lockstep verify` uses it
 * to count records and find duplicates (by `--key`, else the record's `position`, else its `key`, else the whole value);
 * uncommitted leftovers come from `SupportsTraceInspection`.
 *
 * Call order: on a sink created from the pipeline's config, outside any run (the pipeline finished or stopped);
 * it must not change anything.
 */
export interface SupportsCommittedOutput {
  /** What the sink committed, in any order; the destination's own name in `describeOutput`. */
  readCommitted(context: InitContext): AsyncIterable<CommittedRecord>;
  /** Where the committed output lives: `/data/out (part-*.jsonl)`, `topic orders`, `table public.orders on db:5432/app`. */
  describeOutput(): string;
}

/** True when `sink` can read back what it committed. */
export function supportsCommittedOutput(sink: Sink): sink is Sink & SupportsCommittedOutput {
  const candidate = sink as Partial<SupportsCommittedOutput>;
  return typeof candidate.readCommitted === 'function' && typeof candidate.describeOutput === 'function';
}
