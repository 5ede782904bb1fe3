/**
 * An open Kafka transaction, on kafkajs internals. kafkajs' public producer hides the producer id and epoch of its
 * transaction and can only commit a transaction it opened itself; a two-phase-commit sink must hand the transaction
 * to a committer (possibly in the next process) that commits it by id and epoch with `EndTxn` (transaction-admin.ts),
 * never calling `InitProducerId` (which would abort it) — the way Flink's KafkaSink resumes transactions.
 *
 * What is used, and why (docs/kafkajs-internals.md has the full list):
 * - `kafkajs/src/producer/eosManager`: the per-transactional-id state kafkajs keeps (producer id, epoch, sequence
 *   numbers, partitions added to the transaction); built here so its id and epoch can be read.
 * - `kafkajs/src/producer/messageProducer`: kafkajs' send path (partitioning, AddPartitionsToTxn, Produce with
 *   sequence numbers, retries), bound to that eosManager.
 * - `kafkajs/src/retry`: kafkajs' retrier, which the send path expects.
 */
import { type CompressionTypes, type Kafka, type Message, type PartitionerArgs } from 'kafkajs';
import { LockstepError } from '../../../core/sdk';
import type { KafkaCluster } from './cluster';
import { installCompressionCodecs } from './compression-codecs';
import { StablePartitioner } from '../stable-partitioner';

/* eslint-disable @typescript-eslint/no-require-imports */
type KafkaLogger = ReturnType<Kafka['logger']>;

interface EosManager {
  getProducerId(): string | number;
  getProducerEpoch(): number;
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

type SendBatch = (request: {
  acks: number;
  timeout?: number;
  compression?: CompressionTypes;
  topicMessages: { topic: string; messages: Message[] }[];
}) => Promise<unknown>;

type CreateMessageProducer = (options: {
  logger: KafkaLogger;
  cluster: KafkaCluster;
  partitioner: (args: PartitionerArgs) => number;
  eosManager: EosManager;
  idempotent: boolean;
  retrier: unknown;
  getConnectionStatus: () => string;
}) => { sendBatch: SendBatch };

const createEosManager = require('kafkajs/src/producer/eosManager') as CreateEosManager;
const createMessageProducer = require('kafkajs/src/producer/messageProducer') as CreateMessageProducer;
const createRetry = require('kafkajs/src/retry') as (options: Record<string, unknown>) => unknown;
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
    private readonly compression: CompressionTypes | undefined,
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
    const { sendBatch } = createMessageProducer({
      logger,
      cluster,
      // a retry resends each partition's batch unchanged (see StablePartitioner)
      partitioner: StablePartitioner(),
      eosManager: eos,
      idempotent: true,
      // ≈ 9.5 s of retries, never more than 1 s apart: a broker back from a restart gets the send within a second.
      retrier: createRetry({ retries: options.sendRetries ?? 12, initialRetryTime: 100, maxRetryTime: 1_000 }),
      getConnectionStatus: () => 'connected',
    });
    const handle = {
      transactionalId: options.transactionalId,
      producerId: String(eos.getProducerId()),
      producerEpoch: eos.getProducerEpoch(),
    };
    return new KafkaTransaction(eos, sendBatch, handle, options.compression);
  }

  /** Sends within the transaction; resolves once every record is acknowledged by all in-sync replicas. */
  async send(topicMessages: { topic: string; messages: Message[] }[]): Promise<void> {
    if (!this.open) throw new LockstepError(`transaction ${this.handle.transactionalId} is no longer open`, { code: 'LS_INTERNAL' });
    this.sent = true;
    await this.sendBatch({ acks: -1, topicMessages, compression: this.compression });
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
