import type { Committer } from './committer';
import type { SinkGuarantee } from './guarantee';
import type { InitContext, SinkWriterInitContext } from './init-context';
import type { VersionedSerializer } from './serializer';
import type { CommittingSinkWriter, SinkWriter } from './sink-writer';

/**
 * A sink: factory of writers (one per subtask) and, when it commits in two phases, of the committer. Either a
 * {@link DirectSink} (what its writers flush is final) or a {@link CommittingSink} (the {@link SupportsCommitter}
 * mix-in): there is no shape in between, so a committer without a serializer or a pre-committing writer without a
 * committer does not compile. `mechanism` tells them apart.
 *
 * Call order at start: for a committing sink `createCommitter` and the recovery commits, then `createWriter` per
 * subtask with the writer state restored for that subtask (if any) and the committables recovery left pending.
 */
export type Sink<Committable = unknown, WriterState = unknown> = DirectSink<WriterState> | CommittingSink<Committable, WriterState>;

/** What every sink declares. */
interface SinkBase<WriterState> {
  readonly guarantee: SinkGuarantee;
  /**
   * Why the sink gives its guarantee with this config, in its own words (the guarantee analysis shows it instead of
   * its generic sentence for the mechanism): what makes it exactly-once, or what breaks it.
   */
  readonly guaranteeExplanation?: string;
  /**
   * Why this sink, as configured, cannot write record keys of this kind (see `Source.recordKeys`), or undefined when
   * it can: the pipeline is refused at validate time instead of failing on its first record.
   */
  refuseKeys?(keys: 'object'): string | undefined;
  /**
   * Where the connector connects (`host:port`, a URL without password), for messages: a start that does not finish
   * within `restart.startupDeadline` is reported naming it. Undefined for connectors without a service.
   */
  readonly endpoint?: string;
  /** For writers with state of their own ({@link SupportsWriterState}); restored through `createWriter`. */
  readonly writerStateSerializer?: VersionedSerializer<WriterState>;
}

/**
 * A sink whose writes are final once flushed: at-least-once, or exactly-once by idempotent writes (a replayed record
 * overwrites its earlier copy). It has no committables, so its writers' contexts list none.
 */
export interface DirectSink<WriterState = unknown> extends SinkBase<WriterState> {
  /** `idempotent-writes` for an exactly-once sink; undefined for an at-least-once one. */
  readonly mechanism?: 'idempotent-writes';
  createWriter(init: SinkWriterInitContext<never>, restoredState: WriterState | undefined): SinkWriter;
  readonly createCommitter?: never;
  readonly committableSerializer?: never;
}

/**
 * The two-phase-commit mix-in, all or nothing: writers that pre-commit (`prepareCommit` → committables), the
 * committer that commits them once their checkpoint completed, and the serializer that puts them into the checkpoint
 * record. Writers learn the committables recovery left pending (`SinkWriterInitContext.pendingCommittables`).
 */
export interface SupportsCommitter<Committable, WriterState = unknown> {
  readonly guarantee: 'exactly-once';
  readonly mechanism: 'two-phase-commit';
  createWriter(init: SinkWriterInitContext<Committable>, restoredState: WriterState | undefined): CommittingSinkWriter<Committable>;
  createCommitter(init: InitContext): Committer<Committable>;
  readonly committableSerializer: VersionedSerializer<Committable>;
  /**
   * True when a writer may pre-commit the next checkpoint while the committer still commits an earlier one (the
   * sink never reuses a transaction or a name that is being committed, e.g. Kafka's pool of ids takes one that is not
   * busy). Otherwise (the default) the engine calls `prepareCommit` only after the commits of every checkpoint
   * completed before were tried, which puts the commit on the path of the next checkpoint.
   */
  readonly preCommitsWhileCommitting?: boolean;
}

/** A sink that commits in two phases (docs/design.md §1). */
export interface CommittingSink<Committable = unknown, WriterState = unknown>
  extends SinkBase<WriterState>,
    SupportsCommitter<Committable, WriterState> {
  readonly guarantee: 'exactly-once';
}

/** True for a sink with the {@link SupportsCommitter} mix-in. */
export function supportsCommitter<C, S>(sink: Sink<C, S>): sink is CommittingSink<C, S> {
  return sink.mechanism === 'two-phase-commit';
}
