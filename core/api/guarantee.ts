/**
 * What a component promises end to end.
 * - Sources: `replayable` (can re-read from a checkpointed position: exactly-once capable) or `not-replayable`.
 * - Sinks: `exactly-once` (transactional two-phase commit or idempotent writes) or `at-least-once`.
 */
export type SourceGuarantee = 'replayable' | 'not-replayable';
export type SinkGuarantee = 'exactly-once' | 'at-least-once';
/** A pipeline's end-to-end guarantee. */
export type PipelineGuarantee = 'exactly-once' | 'at-least-once' | 'at-most-once';

/** How a sink keeps exactly-once, when it does: it decides what recovery and the guarantee report say. */
export type ExactlyOnceMechanism = 'two-phase-commit' | 'idempotent-writes';
