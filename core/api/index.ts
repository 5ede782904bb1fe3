export type { CommitOutcome, CommitRequest } from './commit';
export type { Committer } from './committer';
export type { ExactlyOnceMechanism, PipelineGuarantee, SinkGuarantee, SourceGuarantee } from './guarantee';
export type { InitContext, SinkWriterInitContext } from './init-context';
export type {
  CheckpointTiming,
  ConfigSchema,
  Plugin,
  PluginContext,
  SinkPlugin,
  SourcePlugin,
  TransformPlugin,
} from './plugin';
export type { LockstepRecord, RecordHeaders, RecordHeaderValue } from './record';
export type { Versioned, VersionedSerializer } from './serializer';
export { supportsCommitter } from './sink';
export type { CommittingSink, DirectSink, Sink, SupportsCommitter } from './sink';
export { supportsWriterState } from './sink-writer';
export type { CommittingSinkWriter, SinkWriter, SupportsWriterState } from './sink-writer';
export { supportsCommittedOutput } from './sink-output';
export type { CommittedRecord, SupportsCommittedOutput } from './sink-output';
export { supportsTraceInspection } from './sink-traces';
export type { SinkTrace, SupportsTraceInspection } from './sink-traces';
export type { Source } from './source';
export type { PollResult, SourceReader } from './source-reader';
export type { SourceSplit } from './source-split';
export type { SplitEnumerator, SplitEnumeratorContext } from './split-enumerator';
export type { Transform, TransformFactory } from './transform';
