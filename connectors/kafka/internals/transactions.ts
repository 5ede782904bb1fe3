/**
 * An open Kafka transaction, on kafkajs internals. kafkajs' public producer hides the producer id and epoch of its
 * transaction and can only commit a transaction it opened itself; a two-phase-commit sink must hand the transaction
 * to a committer (possibly in the next process) that commits it by id and epoch with `EndTxn` (transaction-admin.ts),
 * never calling `InitProducerId` (which would abort it) — the way Flink's KafkaSink resumes transactions.
 *
 * What is used, and why (docs/kafkajs-internals.md has the full list):
 * - `kafkajs/src/producer/eosManager`: the per-transactional-id state kafkajs keeps (producer id, epoch, sequence
 *   numbers, partitions added to the transaction, a lock per broker); built here so its id and epoch can be read.
 * - `kafkajs/src/retry`: kafkajs' retrier.
 * Records are sent by lockstep's own produce path (produce.ts: partitioning, record batch encoding, CRC32C, the
 * Produce request), which uses the eosManager for AddPartitionsToTxn and sequence numbers; kafkajs' message producer
 * (its record batch encoder and byte-at-a-time CRC32C were half of the sink's CPU) is no longer used.
 */
import { type CompressionTypes, type Kafka, type Message } from 'kafkajs';
import { LockstepError } from '../../../core/sdk';
import type { KafkaCluster } from './cluster';
import { installCompressionCodecs } from './compression-codecs';
import { createProducePath, type ProducerState, type Retrier, type TopicMessages } from './produce';
import { FirstPartitioner } from '../stable-partitioner';

/* eslint-disable @typescript-eslint/no-require-imports */
type KafkaLogger = ReturnType<Kafka['logger']>;

interface EosManager extends ProducerState {
  initProducerId(): Promise<void>;
  beginTransaction(): void;
  abort(): Promise<void>;
  isInTransaction(): boolean;
}

type CreateEosManager = (options: {
  logger: KafkaLogger;
  cluster: KafkaCluster;
  transactionTimeout: number;
  transactional: boolean;
  transactionalId: string;
}) => EosManager;

type SendBatch = (topicMessages: TopicMessages) => Promise<void>;

const createEosManager = require('kafkajs/src/producer/eosManager') as CreateEosManager;
const createRetry = require('kafkajs/src/retry') as (options: Record<string, unknown>) => Retrier;
/* eslint-enable @typescript-eslint/no-require-imports */

/** What identifies one Kafka transaction: enough to commit or abort it from any process. */
export interface TransactionHandle {
  readonly transactionalId: string;
  /** A 64-bit id, kept as a decimal string. */
  readonly producerId: string;
  readonly producerEpoch: number;
}

export interface TransactionOptions {
  readonly transactionalId: string;
  readonly transactionTimeoutMs: number;
  /** Retries of one produce request before the send fails (and with it the transaction). */
  readonly sendRetries?: number;
  /** Codec of every record batch sent (kafkajs `CompressionTypes`, from `compressionType`); none by default. */
  readonly compression?: CompressionTypes;
}

/**
 * One open Kafka transaction with its own transactional id: `InitProducerId` (which fences and aborts whatever an
 * earlier producer left open under this id), then sends; `handle` is what a committer needs to finish it.
 */
export class KafkaTransaction {
  private open = true;
  private sent = false;

  private constructor(
    private readonly eos: EosManager,
    private readonly sendBatch: SendBatch,
    readonly handle: TransactionHandle,
  ) {}

  static async begin(client: Kafka, cluster: KafkaCluster, options: TransactionOptions): Promise<KafkaTransaction> {
    installCompressionCodecs();
    const logger = client.logger().namespace('LockstepTransaction');
    const eos = createEosManager({
      logger,
      cluster,
      transactionTimeout: options.transactionTimeoutMs,
      transactional: true,
      transactionalId: options.transactionalId,
    });
    await eos.initProducerId();
    eos.beginTransaction();
    const sendBatch = createProducePath({
      logger,
      cluster,
      producer: eos,
      // each message is partitioned once per send; a retry resends each partition's batch unchanged
      partitioner: FirstPartitioner(),
      compression: options.compression,
      // ≈ 9.5 s of retries, never more than 1 s apart: a broker back from a restart gets the send within a second.
      retrier: createRetry({ retries: options.sendRetries ?? 12, initialRetryTime: 100, maxRetryTime: 1_000 }),
    });
    const handle = {
      transactionalId: options.transactionalId,
      producerId: String(eos.getProducerId()),
      producerEpoch: eos.getProducerEpoch(),
    };
    return new KafkaTransaction(eos, sendBatch, handle);
  }

  /** Sends within the transaction; resolves once every record is acknowledged by all in-sync replicas. */
  async send(topicMessages: { topic: string; messages: Message[] }[]): Promise<void> {
    if (!this.open) throw new LockstepError(`transaction ${this.handle.transactionalId} is no longer open`, { code: 'LS_INTERNAL' });
    this.sent = true;
    await this.sendBatch(topicMessages);
  }

  /** Whether anything was sent in it (an unused transaction is left out of checkpoints). */
  get used(): boolean {
    return this.sent;
  }

  /** Stops using it without ending it: from now on the committer owns it. */
  release(): void {
    this.open = false;
  }

  /** Aborts it (nothing is sent when no partition was added yet). */
  async abort(): Promise<void> {
    this.open = false;
    if (this.eos.isInTransaction()) await this.eos.abort();
  }
}
