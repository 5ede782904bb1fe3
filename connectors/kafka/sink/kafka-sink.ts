import type { Kafka } from 'kafkajs';
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
import { LockstepError } from '../../../core/sdk';
import { createKafkaClient } from '../client-options';
import type { TransactionHandle } from '../internals/transactions';
import { AtLeastOnceKafkaWriter } from './at-least-once-writer';
import { ExactlyOnceKafkaWriter } from './exactly-once-writer';
import { KafkaCommitter } from './kafka-committer';
import type { KafkaSinkConfig } from './kafka-sink-config';
import { KafkaCommittableSerializer, KafkaWriterStateSerializer, type KafkaWriterState } from './kafka-sink-serializers';
import { RecordEncoder } from './record-encoding';
import { checkTransactionTimeout, resolveTransactionTimeout } from './transaction-timeout';

const DEFAULT_BATCH_SIZE = 2000;

/**
 * `type: kafka` sink. Exactly-once (default): one Kafka transaction per checkpoint and subtask, committed by the
 * committer by producer id and epoch once the checkpoint completed (two-phase commit, as Flink's KafkaSink).
 * At-least-once: an idempotent producer flushed at every checkpoint.
 */
export class KafkaSink implements Sink<TransactionHandle, KafkaWriterState> {
  readonly guarantee: SinkGuarantee;
  readonly mechanism?: ExactlyOnceMechanism;
  readonly committableSerializer?: VersionedSerializer<TransactionHandle>;
  readonly writerStateSerializer?: VersionedSerializer<KafkaWriterState>;
  /** `<prefix>-<subtask>-<n>` names every transaction of this sink. */
  readonly transactionalIdPrefix: string;
  private readonly encoder: RecordEncoder;
  private transactionTimeout: Promise<number> | undefined;

  constructor(
    private readonly config: KafkaSinkConfig,
    private readonly context: Pick<PluginContext, 'pipeline' | 'componentId' | 'checkpoint'>,
  ) {
    if (config.topic === undefined && config.topicField === undefined) {
      throw new LockstepError('set topic, or topicField naming the field that holds each record\'s topic', { code: 'LS_CONFIG_INVALID' });
    }
    this.encoder = new RecordEncoder(config);
    this.transactionalIdPrefix = config.transactionalIdPrefix ?? `${context.pipeline}-${context.componentId}`;
    const exactlyOnce = (config.semantic ?? 'exactly-once') === 'exactly-once';
    this.guarantee = exactlyOnce ? 'exactly-once' : 'at-least-once';
    if (exactlyOnce) {
      this.mechanism = 'two-phase-commit';
      this.committableSerializer = new KafkaCommittableSerializer();
      this.writerStateSerializer = new KafkaWriterStateSerializer();
      if (config.transactionTimeout !== undefined) checkTransactionTimeout(config.transactionTimeout, context.checkpoint);
    }
  }

  createWriter(init: SinkWriterInitContext, restoredState: KafkaWriterState | undefined): SinkWriter {
    const client = this.client(init, `lockstep-${this.context.pipeline}-${this.context.componentId}-${init.subtask}`);
    const batchSize = this.config.batchSize ?? DEFAULT_BATCH_SIZE;
    if (this.guarantee === 'at-least-once') return new AtLeastOnceKafkaWriter(client, this.encoder, batchSize);
    return new ExactlyOnceKafkaWriter(
      {
        client,
        encoder: this.encoder,
        prefix: this.transactionalIdPrefix,
        batchSize,
        transactionTimeout: () => {
          this.transactionTimeout ??= resolveTransactionTimeout(client, this.config.transactionTimeout, this.context.checkpoint, init.log);
          this.transactionTimeout.catch(() => (this.transactionTimeout = undefined));
          return this.transactionTimeout;
        },
      },
      init,
      restoredState,
    );
  }

  createCommitter(init: InitContext): Committer<TransactionHandle> {
    return new KafkaCommitter(this.client(init, `lockstep-${this.context.pipeline}-${this.context.componentId}-committer`), init);
  }

  private client(init: InitContext, clientId: string): Kafka {
    return createKafkaClient(this.config, init.log, clientId);
  }
}
