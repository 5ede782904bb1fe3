import type {
  Committer,
  ExactlyOnceMechanism,
  InitContext,
  PluginContext,
  Sink,
  SinkGuarantee,
  SinkWriter,
  SinkWriterInitContext,
  VersionedSerializer,
} from '../../../core/sdk';
import { AtLeastOncePostgresWriter } from './at-least-once-writer';
import { CommitMarkers } from './commit-markers';
import { ExactlyOncePostgresWriter } from './exactly-once-writer';
import { PostgresCommitter } from './postgres-committer';
import { PostgresGids } from './postgres-gids';
import { resolveSinkConfig, type PostgresSinkConfig, type ResolvedSinkConfig } from './postgres-sink-config';
import { PostgresCommittableSerializer, type PostgresCommittable } from './postgres-sink-serializers';

/**
 * `type: postgres` sink. Exactly-once (default): one transaction per checkpoint and subtask, prepared at the barrier
 * (`PREPARE TRANSACTION`) and committed by the committer (`COMMIT PREPARED`) once the checkpoint completed, with a
 * marker row per transaction telling committed from rolled back. At-least-once: a plain transaction committed at
 * every checkpoint.
 */
export class PostgresSink implements Sink<PostgresCommittable, never> {
  readonly guarantee: SinkGuarantee;
  readonly mechanism?: ExactlyOnceMechanism;
  readonly committableSerializer?: VersionedSerializer<PostgresCommittable>;
  readonly gids: PostgresGids;
  private readonly resolved: ResolvedSinkConfig;
  private readonly markers: CommitMarkers;

  constructor(
    private readonly config: PostgresSinkConfig,
    context: Pick<PluginContext, 'pipeline' | 'componentId' | 'checkpoint'>,
  ) {
    this.resolved = resolveSinkConfig(config, context.checkpoint?.timeoutMs);
    this.gids = new PostgresGids(context.pipeline, context.componentId);
    this.markers = new CommitMarkers(this.resolved.markerSchema, context.pipeline, context.componentId);
    this.guarantee = this.resolved.exactlyOnce ? 'exactly-once' : 'at-least-once';
    if (this.resolved.exactlyOnce) {
      this.mechanism = 'two-phase-commit';
      this.committableSerializer = new PostgresCommittableSerializer();
    }
  }

  createWriter(init: SinkWriterInitContext): SinkWriter {
    if (!this.resolved.exactlyOnce) {
      return new AtLeastOncePostgresWriter(this.config, this.resolved, this.gids.writerApplicationName(init.subtask), init.log);
    }
    return new ExactlyOncePostgresWriter({ connection: this.config, config: this.resolved, gids: this.gids, markers: this.markers }, init);
  }

  createCommitter(init: InitContext): Committer<PostgresCommittable> {
    return new PostgresCommitter(this.config, this.gids, this.markers, init);
  }
}
