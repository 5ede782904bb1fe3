import type { Kafka } from 'kafkajs';
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
  SupportsWriterState,
} from '../../../core/sdk';
import { LockstepError } from '../../../core/sdk';
import { createKafkaClient } from '../client-options';
import { compressionUnavailable } from '../compression';
import type { TransactionHandle } from '../internals';
import { AtLeastOnceKafkaWriter } from './at-least-once-writer';
import { ExactlyOnceKafkaWriter } from './exactly-once-writer';
import { KafkaCommitter } from './kafka-committer';
import { readKafkaSinkOutput } from './kafka-sink-output';
import { KafkaSinkTraces } from './kafka-sink-traces';
import type { KafkaSinkConfig } from './kafka-sink-config';
import { KafkaCommittableSerializer, KafkaWriterStateSerializer, type KafkaWriterState } from './kafka-sink-serializers';
import { RecordEncoder } from './record-encoding';
import { TransactionRegistry } from './transaction-pool';
import { checkTransactionTimeout, resolveTransactionTimeout } from './transaction-timeout';

type SinkContext = Pick<PluginContext, 'pipeline' | 'componentId' | 'checkpoint'>;

/** `type: kafka` sink: exactly-once by default ({@link KafkaSink}), at-least-once with `semantic: at-least-once`. */
export function createKafkaSink(config: KafkaSinkConfig, context: SinkContext): Sink<TransactionHandle, KafkaWriterState> {
  return config.semantic === 'exactly-once' ? new KafkaSink(config, context) : new AtLeastOnceKafkaSink(config, context);
}

/**
 * What both kinds share: the record encoder and the clients, named after pipeline, sink and subtask; and the read-back
 * of what was committed to `topic` for `lockstep verify` (`SupportsCommittedOutput`, read_committed).
 */
abstract class KafkaSinkBase implements SupportsCommittedOutput {
  readonly endpoint: string;
  protected readonly encoder: RecordEncoder;
  protected readonly batchSize: number;

  constructor(
    protected readonly config: KafkaSinkConfig,
    protected readonly context: SinkContext,
  ) {
    if (config.topic === undefined && config.topicField === undefined) {
      throw new LockstepError('set topic, or topicField naming the field that holds each record\'s topic', { code: 'LS_CONFIG_INVALID' });
    }
    const unavailable = compressionUnavailable(config.compression);
    if (unavailable !== undefined) throw new LockstepError(`kafka sink compression ${config.compression}: ${unavailable}`, { code: 'LS_KAFKA_COMPRESSION' });
    this.encoder = new RecordEncoder(config);
    this.batchSize = config.batchSize;
    this.endpoint = config.brokers.join(',');
  }

  /** Object keys need keyFormat auto or json (unless keyField takes the key from the value). */
  refuseKeys(keys: 'object'): string | undefined {
    if (this.config.keyField !== undefined || this.config.keyFormat === 'auto' || this.config.keyFormat === 'json') return undefined;
    return `keyFormat ${this.config.keyFormat} cannot write ${keys} keys; use keyFormat auto (the default) or json`;
  }

  protected client(init: InitContext, role: string): Kafka {
    return createKafkaClient(this.config, init.log, `lockstep-${this.context.pipeline}-${this.context.componentId}-${role}`, init.reportConnectFailure);
  }

  readCommitted(init: InitContext): AsyncIterable<CommittedRecord> {
    const { topic } = this.config;
    if (topic === undefined) {
      throw new LockstepError('a kafka sink with topicField writes to topics only its records name: it cannot be read back', { code: 'LS_CONFIG_INVALID' });
    }
    return readKafkaSinkOutput(this.client(init, 'verify'), topic);
  }

  describeOutput(): string {
    return this.config.topic === undefined ? `topics named by ${this.config.topicField ?? 'topicField'}` : `topic ${this.config.topic} (read_committed)`;
  }
}

/**
 * Exactly-once kafka sink: one Kafka transaction per checkpoint and subtask, committed by the committer by producer id
 * and epoch once the checkpoint completed (two-phase commit, as Flink's KafkaSink). Each subtask reuses a small pool of
 * transactional ids; its writers and committer share a {@link TransactionRegistry} (which ids are free again, which
 * transactions can be committed without describing them first). Its traces
 * (`SupportsTraceInspection`, {@link KafkaSinkTraces}): the transactional ids of its prefix the brokers know; they
 * carry no checkpoint id.
 */
export class KafkaSink extends KafkaSinkBase implements CommittingSink<TransactionHandle, KafkaWriterState>, SupportsTraceInspection {
  readonly guarantee = 'exactly-once' as const;
  readonly mechanism = 'two-phase-commit' as const;
  /** A writer's next transaction takes a pool id that is not busy (transaction-pool.ts): commits need not be waited for. */
  readonly preCommitsWhileCommitting = true;
  readonly committableSerializer = new KafkaCommittableSerializer();
  readonly writerStateSerializer = new KafkaWriterStateSerializer();
  readonly tracesNameCheckpoints = false;
  /** `<prefix>-<subtask>-<n>` names every transaction of this sink (n: an id of the subtask's pool). */
  readonly transactionalIdPrefix: string;
  private transactionTimeout: Promise<number> | undefined;
  private readonly traces: KafkaSinkTraces;
  private readonly registry: TransactionRegistry;

  constructor(config: KafkaSinkConfig, context: SinkContext) {
    super(config, context);
    if (config.semantic !== 'exactly-once') throw new LockstepError('this kafka sink is for semantic exactly-once', { code: 'LS_CONFIG_INVALID' });
    this.transactionalIdPrefix = config.transactionalIdPrefix ?? `${context.pipeline}-${context.componentId}`;
    if (config.transactionTimeout !== undefined) checkTransactionTimeout(config.transactionTimeout, context.checkpoint);
    this.traces = new KafkaSinkTraces(this.transactionalIdPrefix, (init) => this.client(init, 'traces'));
    this.registry = new TransactionRegistry(this.transactionalIdPrefix);
  }

  createWriter(
    init: SinkWriterInitContext<TransactionHandle>,
    restoredState: KafkaWriterState | undefined,
  ): CommittingSinkWriter<TransactionHandle> & SupportsWriterState<KafkaWriterState> {
    const client = this.client(init, String(init.subtask));
    const { compression } = this.config;
    const options = { client, encoder: this.encoder, prefix: this.transactionalIdPrefix, batchSize: this.batchSize, compression, registry: this.registry };
    const transactionTimeout = (): Promise<number> => {
      this.transactionTimeout ??= resolveTransactionTimeout(client, this.config.transactionTimeout, this.context.checkpoint, init.log);
      this.transactionTimeout.catch(() => (this.transactionTimeout = undefined));
      return this.transactionTimeout;
    };
    return new ExactlyOnceKafkaWriter({ ...options, transactionTimeout }, init, restoredState);
  }

  createCommitter(init: InitContext): Committer<TransactionHandle> {
    return new KafkaCommitter(this.client(init, 'committer'), init, this.registry);
  }

  findTraces(context: InitContext): Promise<SinkTrace[]> {
    return this.traces.find(context);
  }

  clearTraces(context: InitContext): Promise<string[]> {
    return this.traces.clear(context);
  }
}

/** At-least-once kafka sink: an idempotent producer flushed at every checkpoint. */
export class AtLeastOnceKafkaSink extends KafkaSinkBase implements DirectSink<never> {
  readonly guarantee = 'at-least-once' as const;

  createWriter(init: SinkWriterInitContext): SinkWriter {
    return new AtLeastOnceKafkaWriter(this.client(init, String(init.subtask)), this.encoder, this.batchSize, init.log, this.config.compression);
  }
}
