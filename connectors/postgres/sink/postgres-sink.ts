import type {
  CommittedRecord,
  Committer,
  CommittingSink,
  CommittingSinkWriter,
  DirectSink,
  InitContext,
  PluginContext,
  Sink,
  SinkTrace,
  SinkWriter,
  SinkWriterInitContext,
  SupportsCommittedOutput,
  SupportsTraceInspection,
} from '../../../core/sdk';
import { LockstepError } from '../../../core/sdk';
import { describePostgresTarget, resolvePostgresConnection } from '../connection-options';
import { describeQualifiedName } from '../sql';
import { AtLeastOncePostgresWriter } from './at-least-once-writer';
import { CommitMarkers } from './commit-markers';
import { ExactlyOncePostgresWriter } from './exactly-once-writer';
import { PostgresCommitter } from './postgres-committer';
import { PostgresGids } from './postgres-gids';
import { readPostgresSinkOutput } from './postgres-sink-output';
import { PostgresSinkTraces } from './postgres-sink-traces';
import { resolveSinkConfig, type PostgresSinkConfig, type ResolvedSinkConfig } from './postgres-sink-config';
import { PostgresCommittableSerializer, type PostgresCommittable } from './postgres-sink-serializers';

type SinkContext = Pick<PluginContext, 'pipeline' | 'componentId' | 'checkpoint'>;

/**
 * `type: postgres` sink: exactly-once by default ({@link PostgresSink}), at-least-once with
 * `semantic: at-least-once` ({@link AtLeastOncePostgresSink}).
 */
export function createPostgresSink(config: PostgresSinkConfig, context: SinkContext): Sink<PostgresCommittable, never> {
  return config.semantic === 'exactly-once' ? new PostgresSink(config, context) : new AtLeastOncePostgresSink(config, context);
}

/** The resolved config, refusing a `semantic` the sink class was not made for. */
function resolveFor(exactlyOnce: boolean, config: PostgresSinkConfig, context: SinkContext): ResolvedSinkConfig {
  resolvePostgresConnection(config); // refuses a url it cannot use, at validate time
  const resolved = resolveSinkConfig(config, context.checkpoint.timeoutMs);
  if (resolved.exactlyOnce !== exactlyOnce) {
    throw new LockstepError(`this postgres sink is for semantic ${exactlyOnce ? 'exactly-once' : 'at-least-once'}`, { code: 'LS_CONFIG_INVALID' });
  }
  return resolved;
}

/**
 * Exactly-once postgres sink: one transaction per checkpoint and subtask, prepared at the barrier
 * (`PREPARE TRANSACTION`) and committed by the committer (`COMMIT PREPARED`) once the checkpoint completed, with a
 * marker row per transaction telling committed from rolled back. Construction does no I/O. Its traces
 * (`SupportsTraceInspection`, {@link PostgresSinkTraces}): the marker rows and the prepared transactions of this
 * pipeline and sink; `--reset` rolls the latter back and deletes the former. `lockstep verify` reads its table back
 * (`SupportsCommittedOutput`, {@link readPostgresSinkOutput}).
 */
export class PostgresSink implements CommittingSink<PostgresCommittable, never>, SupportsTraceInspection, SupportsCommittedOutput {
  readonly guarantee = 'exactly-once' as const;
  readonly mechanism = 'two-phase-commit' as const;
  readonly committableSerializer = new PostgresCommittableSerializer();
  readonly tracesNameCheckpoints = true;
  readonly gids: PostgresGids;
  readonly endpoint: string;
  private readonly resolved: ResolvedSinkConfig;
  private readonly markers: CommitMarkers;
  private readonly traces: PostgresSinkTraces;

  constructor(
    private readonly config: PostgresSinkConfig,
    context: SinkContext,
  ) {
    this.resolved = resolveFor(true, config, context);
    this.gids = new PostgresGids(context.pipeline, context.componentId);
    this.endpoint = describePostgresTarget(config);
    this.markers = new CommitMarkers(this.resolved.markerSchema, context.pipeline, context.componentId);
    this.traces = new PostgresSinkTraces(config, this.gids, this.markers);
  }

  createWriter(init: SinkWriterInitContext<PostgresCommittable>): CommittingSinkWriter<PostgresCommittable> {
    return new ExactlyOncePostgresWriter({ connection: this.config, config: this.resolved, gids: this.gids, markers: this.markers }, init);
  }

  createCommitter(init: InitContext): Committer<PostgresCommittable> {
    return new PostgresCommitter(this.config, this.gids, this.markers, init);
  }

  findTraces(context: InitContext): Promise<SinkTrace[]> {
    return this.traces.find(context);
  }

  clearTraces(context: InitContext): Promise<string[]> {
    return this.traces.clear(context);
  }

  readCommitted(context: InitContext): AsyncIterable<CommittedRecord> {
    return readPostgresSinkOutput(this.config, this.resolved, context);
  }

  describeOutput(): string {
    return describeOutput(this.resolved, this.endpoint);
  }
}

/** `table public.orders on postgres://app@db:5432/shop`. */
function describeOutput(resolved: ResolvedSinkConfig, endpoint: string): string {
  return `table ${describeQualifiedName(resolved.table)} on ${endpoint}`;
}

/** At-least-once postgres sink: a plain transaction committed at every checkpoint. `lockstep verify` reads its table back. */
export class AtLeastOncePostgresSink implements DirectSink<never>, SupportsCommittedOutput {
  readonly guarantee = 'at-least-once' as const;
  readonly gids: PostgresGids;
  readonly endpoint: string;
  private readonly resolved: ResolvedSinkConfig;

  constructor(
    private readonly config: PostgresSinkConfig,
    context: SinkContext,
  ) {
    this.resolved = resolveFor(false, config, context);
    this.gids = new PostgresGids(context.pipeline, context.componentId);
    this.endpoint = describePostgresTarget(config);
  }

  createWriter(init: SinkWriterInitContext): SinkWriter {
    return new AtLeastOncePostgresWriter(this.config, this.resolved, this.gids.writerApplicationName(init.subtask), init.log);
  }

  readCommitted(context: InitContext): AsyncIterable<CommittedRecord> {
    return readPostgresSinkOutput(this.config, this.resolved, context);
  }

  describeOutput(): string {
    return describeOutput(this.resolved, this.endpoint);
  }
}
