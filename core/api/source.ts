import type { SourceGuarantee } from './guarantee';
import type { InitContext } from './init-context';
import type { VersionedSerializer } from './serializer';
import type { SourceReader } from './source-reader';
import type { SourceSplit } from './source-split';
import type { SplitEnumerator, SplitEnumeratorContext } from './split-enumerator';

/**
 * A source: a factory for its enumerator and readers, plus the serializers of what it checkpoints.
 *
 * Call order at start: `createEnumerator` (fresh) or `restoreEnumerator` (from a checkpoint), then `createReader`
 * once per subtask. Readers restored from a checkpoint get their split states through `SourceReader.addSplits`.
 */
export interface Source<Split extends SourceSplit = SourceSplit, EnumState = unknown> {
  /** `replayable` when re-reading from a checkpointed position yields the same records. */
  readonly guarantee: SourceGuarantee;
  /**
   * A part of what the source emits that its guarantee does not cover, and why (e.g. a CDC initial snapshot that
   * emits rows again after a crash during it): the guarantee report names it beside the pipeline's guarantee.
   */
  readonly guaranteeCaveat?: string;
  /**
   * What the record keys are, when every record's key is of one kind: `object` (a CDC source's row key `{ id: 42 }`).
   * A sink that cannot write such keys refuses the pipeline at validate time ({@link SinkBase.refuseKeys}).
   */
  readonly recordKeys?: 'object';
  /** True when the input ends (generator with `count`, files, Kafka `bounded: latest`). */
  readonly bounded: boolean;
  /**
   * Where the connector connects (`host:port`, a URL without password), for messages: a start that does not finish
   * within `restart.startupDeadline` is reported naming it. Undefined for connectors without a service.
   */
  readonly endpoint?: string;
  createEnumerator(context: SplitEnumeratorContext<Split>, init: InitContext): SplitEnumerator<Split, EnumState>;
  restoreEnumerator(
    context: SplitEnumeratorContext<Split>,
    init: InitContext,
    state: EnumState,
  ): SplitEnumerator<Split, EnumState>;
  createReader(init: InitContext): SourceReader<Split>;
  readonly splitSerializer: VersionedSerializer<Split>;
  readonly enumeratorStateSerializer: VersionedSerializer<EnumState>;
}
