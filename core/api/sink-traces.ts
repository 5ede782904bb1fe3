import type { InitContext } from './init-context';
import type { Sink } from './sink';

/**
 * Something of this pipeline a sink's destination holds from an earlier run, summarised: committed output a reader
 * sees (commit markers, committed part files, committed transactions) or work not committed (prepared transactions,
 * pre-committed or open files, open transactions). One trace per kind, not one per row or file.
 */
export interface SinkTrace {
  /** `committed`: visible to readers; `uncommitted`: prepared, pre-committed or open — recovery rolls it back. */
  readonly state: 'committed' | 'uncommitted';
  /**
   * What and where, one phrase for a log line or an error message: `3 commit markers of checkpoints 15–17 in
   * public.lockstep_commits`, `12 committed part files (checkpoints 4–40) in /data/out`.
   */
  readonly description: string;
  /** The newest checkpoint id among what the trace summarises, when the sink's naming carries checkpoint ids. */
  readonly checkpointId?: number;
  /**
   * An `uncommitted` trace that holds nothing open: names the destination only remembers (Kafka transactional ids
   * aborted or idle). It still tells that an earlier run wrote; `lockstep verify` does not count it as left over.
   */
  readonly settled?: boolean;
}

/**
 * The trace-inspection mix-in (optional, like Flink's `Supports*` abilities): the sink can tell whether its
 * destination holds traces of this pipeline, and clean what can be cleaned. The runner uses it at start so that a
 * pipeline whose checkpoint storage lost its checkpoints does not start afresh over output it already committed
 * (docs/design.md §1, "No silent fresh start").
 *
 * Call order: before any writer or committer of the run exists, `findTraces` once (also when the pipeline starts from
 * a savepoint or with `--reset`); with `--reset`, `clearTraces` after it. Both are read/clean calls of their own: they
 * open and close what connection they need. The context is the committer's (subtask 0; `parallelism` the sink's):
 * traces of every subtask count, also of subtasks beyond the current parallelism.
 */
export interface SupportsTraceInspection {
  /**
   * True when every committed trace names its checkpoint (a marker row or a file per checkpoint, kept at least for the
   * newest committed checkpoint): then finding no committed trace newer than checkpoint n proves that nothing of a
   * later checkpoint was committed, and the runner may fall back past a missing checkpoint record. False when the
   * sink can only tell that traces exist (Kafka transactional ids).
   */
  readonly tracesNameCheckpoints: boolean;
  /** Traces of this pipeline and sink in the destination; empty when it holds none. Must not change anything. */
  findTraces(context: InitContext): Promise<SinkTrace[]>;
  /**
   * For `lockstep run --reset`: rolls back and removes what this pipeline left uncommitted, and the bookkeeping that
   * would tie a new run to the old one (commit markers). Never removes committed output that readers see. Returns one
   * line per thing done or deliberately kept, for the log.
   */
  clearTraces(context: InitContext): Promise<string[]>;
}

/** True for a sink with the {@link SupportsTraceInspection} mix-in. */
export function supportsTraceInspection<C, S>(sink: Sink<C, S>): sink is Sink<C, S> & SupportsTraceInspection {
  const candidate = sink as Partial<SupportsTraceInspection>;
  return typeof candidate.findTraces === 'function' && typeof candidate.clearTraces === 'function' && typeof candidate.tracesNameCheckpoints === 'boolean';
}
