/**
 * Transactions by hand, on kafkajs internals. kafkajs' public producer hides the producer id and epoch of its
 * transaction and can only commit a transaction it opened itself; a two-phase-commit sink must hand the transaction
 * to a committer (possibly in the next process) that commits it by id and epoch with `EndTxn`, never calling
 * `InitProducerId` (which would abort it) — the way Flink's KafkaSink resumes transactions.
 *
 * What is used, and why (docs/kafkajs-internals.md has the full list):
 * - `kafkajs/src/producer/eosManager`: the per-transactional-id state kafkajs keeps (producer id, epoch, sequence
 *   numbers, partitions added to the transaction); built here so its id and epoch can be read.
 * - `kafkajs/src/producer/messageProducer`: kafkajs' send path (partitioning, AddPartitionsToTxn, Produce with
 *   sequence numbers, retries), bound to that eosManager.
 * - `kafkajs/src/retry`: kafkajs' retrier, which the send path expects.
 * - `Broker.initProducerId` / `Broker.endTxn` of the internal Broker (see cluster.ts).
 * - `kafkajs/src/protocol/encoder|decoder` and the Broker's private `sendRequest`: to send `DescribeTransactions`
 *   (API 65) and `ListTransactions` (API 66), which kafkajs does not implement, so that a replayed commit can be told
 *   from a first one and leftovers can be listed.
 */
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import { LockstepError } from '../../../core/sdk';
import { COORDINATOR_TYPE, kafkaErrorType, type KafkaBroker, type KafkaCluster } from './cluster';

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

type SendBatch = (request: { acks: number; timeout?: number; topicMessages: { topic: string; messages: Message[] }[] }) => Promise<unknown>;

type CreateMessageProducer = (options: {
  logger: KafkaLogger;
  cluster: KafkaCluster;
  partitioner: ReturnType<typeof Partitioners.DefaultPartitioner>;
  eosManager: EosManager;
  idempotent: boolean;
  retrier: unknown;
  getConnectionStatus: () => string;
}) => { sendBatch: SendBatch };

interface KafkaEncoder {
  writeInt16(value: number): KafkaEncoder;
  writeInt32(value: number): KafkaEncoder;
  writeUVarInt(value: number): KafkaEncoder;
  writeUVarIntString(value: string): KafkaEncoder;
}

interface KafkaDecoder {
  readInt16(): number;
  readInt32(): number;
  readInt64(): bigint;
  readUVarInt(): number;
  readUVarIntString(): string;
  readTaggedFields(): unknown;
}

const createEosManager = require('kafkajs/src/producer/eosManager') as CreateEosManager;
const createMessageProducer = require('kafkajs/src/producer/messageProducer') as CreateMessageProducer;
const createRetry = require('kafkajs/src/retry') as (options: Record<string, unknown>) => unknown;
const Encoder = require('kafkajs/src/protocol/encoder') as new () => KafkaEncoder;
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => KafkaDecoder;
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode(code: number): Error };
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
      partitioner: Partitioners.DefaultPartitioner(),
      eosManager: eos,
      idempotent: true,
      retrier: createRetry({ retries: options.sendRetries ?? 8, initialRetryTime: 100, maxRetryTime: 5000 }),
      getConnectionStatus: () => 'connected',
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
    await this.sendBatch({ acks: -1, topicMessages });
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

/** Error codes lockstep tells apart by number: kafkajs 2.2 predates some of them (PRODUCER_FENCED is 90). */
export const KAFKA_ERROR = {
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49,
  CONCURRENT_TRANSACTIONS: 51,
  TRANSACTIONAL_ID_NOT_FOUND: 105,
  PRODUCER_FENCED: 90,
} as const;

const RETRIABLE_COORDINATOR_ERRORS = new Set([
  'CONCURRENT_TRANSACTIONS',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'GROUP_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'NOT_COORDINATOR_FOR_GROUP',
  'REQUEST_TIMED_OUT',
]);

/** Whether a transaction-coordinator error goes away by itself (commit in progress, coordinator moving). */
export function isTransientCoordinatorError(error: unknown): boolean {
  const type = kafkaErrorType(error);
  if (type !== undefined && RETRIABLE_COORDINATOR_ERRORS.has(type)) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'KafkaJSConnectionError' || name === 'KafkaJSConnectionClosedError' || name === 'KafkaJSRequestTimeoutError';
}

/** The Kafka error code of a kafkajs protocol error, if it carries one. */
export function kafkaErrorCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

async function transactionCoordinator(cluster: KafkaCluster, transactionalId: string): Promise<KafkaBroker> {
  return cluster.findGroupCoordinator({ groupId: transactionalId, coordinatorType: COORDINATOR_TYPE.TRANSACTION });
}

/**
 * Retries `operation` while the coordinator answers with a transient error, for up to `timeoutMs`; a new coordinator
 * is looked up on every try, so a moved coordinator is followed.
 */
export async function withCoordinatorRetries<T>(operation: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (!isTransientCoordinatorError(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 1000)));
    }
  }
}

/** `EndTxn` for a transaction known only by its handle: commits (`commit`) or aborts it. */
export async function endTransaction(cluster: KafkaCluster, handle: TransactionHandle, commit: boolean): Promise<void> {
  await withCoordinatorRetries(async () => {
    const broker = await transactionCoordinator(cluster, handle.transactionalId);
    await broker.endTxn({
      transactionalId: handle.transactionalId,
      producerId: handle.producerId as unknown as number,
      producerEpoch: handle.producerEpoch,
      transactionResult: commit,
    });
  });
}

/**
 * `InitProducerId` for `transactionalId`: aborts (and fences) anything open under that id and returns the new epoch —
 * 0 only when the id was never used before.
 */
export async function initTransactionalId(cluster: KafkaCluster, transactionalId: string, transactionTimeoutMs: number): Promise<TransactionHandle> {
  return withCoordinatorRetries(async () => {
    const broker = await transactionCoordinator(cluster, transactionalId);
    const result = await broker.initProducerId({ transactionalId, transactionTimeout: transactionTimeoutMs });
    return { transactionalId, producerId: String(result.producerId), producerEpoch: result.producerEpoch };
  }, 120_000);
}

/** A transaction's state as its coordinator describes it (`DescribeTransactions`). */
export interface TransactionDescription {
  readonly transactionalId: string;
  /** `Empty`, `Ongoing`, `PrepareCommit`, `PrepareAbort`, `CompleteCommit`, `CompleteAbort`, `Dead`, `PrepareEpochFence`. */
  readonly state: string;
  readonly producerId: string;
  readonly producerEpoch: number;
  readonly timeoutMs: number;
}

interface ProtocolRequest<T> {
  request: { apiKey: number; apiVersion: number; apiName: string; encode: () => Promise<KafkaEncoder> };
  response: { decode: (data: Buffer) => Promise<T>; parse: (data: T) => Promise<T> };
}

/** Sends a request kafkajs has no encoder for through the broker's private `sendRequest`. */
async function sendRaw<T>(broker: KafkaBroker, request: ProtocolRequest<T>): Promise<T> {
  const symbol = Object.getOwnPropertySymbols(Object.getPrototypeOf(broker)).find(
    (candidate) => candidate.description === 'private:Broker:sendRequest',
  );
  const send = symbol === undefined ? undefined : (broker as unknown as Record<symbol, unknown>)[symbol];
  if (typeof send !== 'function') throw new LockstepError('kafkajs internals changed: Broker has no private sendRequest (lockstep needs kafkajs 2.2.x)', { code: 'LS_KAFKA_INTERNALS' });
  return (send as (request: ProtocolRequest<T>) => Promise<T>).call(broker, request);
}

/**
 * A request of a *flexible* API version (KIP-482). kafkajs writes request header v1; header v2 only adds an empty
 * tagged-field section after the client id, which is written here as the body's first byte. Responses of flexible
 * versions start with the header's tagged fields, read here before the body.
 */
function flexibleRequest<T>(apiKey: number, apiName: string, body: (encoder: KafkaEncoder) => void, decodeBody: (decoder: KafkaDecoder) => T): ProtocolRequest<T> {
  return {
    request: {
      apiKey,
      apiVersion: 0,
      apiName,
      encode: async () => {
        const encoder = new Encoder();
        encoder.writeUVarInt(0);
        body(encoder);
        encoder.writeUVarInt(0);
        return encoder;
      },
    },
    response: {
      decode: async (data) => {
        const decoder = new Decoder(data);
        decoder.readTaggedFields();
        return decodeBody(decoder);
      },
      parse: async (data) => data,
    },
  };
}

function compactArray<T>(decoder: KafkaDecoder, read: () => T): T[] {
  const length = decoder.readUVarInt() - 1;
  const items: T[] = [];
  for (let i = 0; i < length; i += 1) items.push(read());
  return items;
}

/** Describes transactions by id (`DescribeTransactions` v0 to their coordinator); `undefined` for an unknown id. */
export async function describeTransaction(cluster: KafkaCluster, transactionalId: string): Promise<TransactionDescription | undefined> {
  return withCoordinatorRetries(async () => {
    const broker = await transactionCoordinator(cluster, transactionalId);
    const states = await sendRaw(
      broker,
      flexibleRequest(
        65,
        'DescribeTransactions',
        (encoder) => encoder.writeUVarInt(2).writeUVarIntString(transactionalId),
        (decoder) => {
          decoder.readInt32();
          const result = compactArray(decoder, () => {
            const errorCode = decoder.readInt16();
            const id = decoder.readUVarIntString();
            const state = decoder.readUVarIntString();
            const timeoutMs = decoder.readInt32();
            decoder.readInt64();
            const producerId = decoder.readInt64().toString();
            const producerEpoch = decoder.readInt16();
            compactArray(decoder, () => {
              decoder.readUVarIntString();
              compactArray(decoder, () => decoder.readInt32());
              decoder.readTaggedFields();
            });
            decoder.readTaggedFields();
            return { errorCode, transactionalId: id, state, timeoutMs, producerId, producerEpoch };
          });
          decoder.readTaggedFields();
          return result;
        },
      ),
    );
    const entry = states[0];
    if (entry === undefined) throw new LockstepError(`DescribeTransactions returned nothing for ${transactionalId}`, { code: 'LS_KAFKA_PROTOCOL' });
    if (entry.errorCode === KAFKA_ERROR.TRANSACTIONAL_ID_NOT_FOUND) return undefined;
    if (entry.errorCode !== 0) throw createErrorFromCode(entry.errorCode);
    const { errorCode: _, ...description } = entry;
    return description;
  });
}

/**
 * Every transaction the cluster's coordinators know (`ListTransactions` v0 to each broker), optionally by state.
 * Refreshes the metadata first: a freshly connected cluster knows no broker yet, and asking none would answer "no
 * transactions" for a cluster full of them.
 */
export async function listTransactions(
  cluster: KafkaCluster,
  states: readonly string[] = [],
): Promise<{ transactionalId: string; producerId: string; state: string }[]> {
  await cluster.refreshMetadata();
  const nodeIds = cluster.getNodeIds();
  if (nodeIds.length === 0) throw new LockstepError('ListTransactions: the cluster metadata lists no broker', { code: 'LS_KAFKA_CONNECTION' });
  const all: { transactionalId: string; producerId: string; state: string }[] = [];
  for (const nodeId of nodeIds) {
    const broker = await cluster.findBroker({ nodeId });
    const result = await sendRaw(
      broker,
      flexibleRequest(
        66,
        'ListTransactions',
        (encoder) => {
          encoder.writeUVarInt(states.length + 1);
          for (const state of states) encoder.writeUVarIntString(state);
          encoder.writeUVarInt(1);
        },
        (decoder) => {
          decoder.readInt32();
          const errorCode = decoder.readInt16();
          compactArray(decoder, () => decoder.readUVarIntString());
          const transactions = compactArray(decoder, () => {
            const transactionalId = decoder.readUVarIntString();
            const producerId = decoder.readInt64().toString();
            const state = decoder.readUVarIntString();
            decoder.readTaggedFields();
            return { transactionalId, producerId, state };
          });
          decoder.readTaggedFields();
          return { errorCode, transactions };
        },
      ),
    );
    if (result.errorCode !== 0) throw createErrorFromCode(result.errorCode);
    all.push(...result.transactions);
  }
  return all;
}
