/**
 * The `Produce` request (API 0) carrying record batches lockstep encoded itself (record-batch.ts), sent through the
 * internal Broker's private `sendRequest` like the transaction admin calls (transaction-admin.ts `sendRaw`), and its
 * response decoded and checked by kafkajs' own Produce response module of the same version
 * (`kafkajs/src/protocol/requests/produce/v<n>/response`): a partition's error is thrown as kafkajs throws it
 * (`createErrorFromCode`: KafkaJSProtocolError with `type`, `code`, `retriable`), so connectors/kafka/kafka-errors.ts
 * classifies it as before. The version is the one kafkajs would pick — the highest of v3 (the first with record
 * batches v2 and a transactional id) … v7 (kafkajs' newest) the broker offers: v7 on Kafka 2.1 and later, including
 * Kafka 4, which dropped Produce v0–v2. v3–v7 requests are one format (v7 only means zstd may be used).
 * docs/kafkajs-internals.md lists what breaks if kafkajs changes.
 */
import { KafkaJSNonRetriableError } from 'kafkajs';
import type { EncodedBatch } from './record-batch';
import type { ProtocolRequest } from './transaction-codec';

const PRODUCE = 0;
const MIN_VERSION = 3;
const MAX_VERSION = 7;

/** One partition's batch in a request. */
export interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  readonly batch: EncodedBatch;
}

/** What the decoded response holds (kafkajs' Produce response v3+; log start offset from v5). */
export interface ProduceResponse {
  readonly topics: readonly { readonly topicName: string; readonly partitions: readonly { readonly partition: number; readonly errorCode: number; readonly baseOffset: string }[] }[];
  readonly throttleTime: number;
}

type ResponseModule = ProtocolRequest<ProduceResponse>['response'];

const responses = new Map<number, ResponseModule>();

function responseModule(version: number): ResponseModule {
  let module = responses.get(version);
  if (module === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    module = require(`kafkajs/src/protocol/requests/produce/v${version}/response`) as ResponseModule;
    responses.set(version, module);
  }
  return module;
}

/** The Produce version kafkajs would use with a broker offering `range` (its ApiVersions entry for Produce). */
export function produceVersion(versions: Record<number, { minVersion: number; maxVersion: number }> | undefined): number {
  const range = versions?.[PRODUCE];
  if (range === undefined) throw new KafkaJSNonRetriableError('the broker did not list the Produce API in ApiVersions');
  const version = Math.min(range.maxVersion, MAX_VERSION);
  if (version < MIN_VERSION || version < range.minVersion) {
    throw new KafkaJSNonRetriableError(`the broker offers Produce v${range.minVersion}–v${range.maxVersion}; lockstep's transactional producer needs one of v${MIN_VERSION}–v${MAX_VERSION}`);
  }
  return version;
}

function stringSize(value: string | null): number {
  return value === null ? 2 : 2 + Buffer.byteLength(value, 'utf8');
}

function writeString(buffer: Buffer, offset: number, value: string | null): number {
  if (value === null) return buffer.writeInt16BE(-1, offset);
  const next = buffer.writeInt16BE(Buffer.byteLength(value, 'utf8'), offset);
  return next + buffer.write(value, next, 'utf8');
}

/** Batches grouped by topic, in the order of their first batch. */
function byTopic(batches: readonly PartitionBatch[]): Map<string, PartitionBatch[]> {
  const topics = new Map<string, PartitionBatch[]>();
  for (const entry of batches) {
    const list = topics.get(entry.topic);
    if (list === undefined) topics.set(entry.topic, [entry]);
    else list.push(entry);
  }
  return topics;
}

/**
 * The request body (v3–v7): transactional_id acks timeout [topic [partition record_set]], written into one buffer.
 * The batches' base sequences and CRCs must be set already.
 */
export function encodeProduceBody(request: { transactionalId: string | null; acks: number; timeoutMs: number; batches: readonly PartitionBatch[] }): Buffer {
  const topics = byTopic(request.batches);
  let size = stringSize(request.transactionalId) + 2 + 4 + 4;
  for (const [topic, entries] of topics) {
    size += stringSize(topic) + 4;
    for (const entry of entries) size += 4 + 4 + entry.batch.buffer.length;
  }
  const body = Buffer.allocUnsafe(size);
  let offset = writeString(body, 0, request.transactionalId);
  offset = body.writeInt16BE(request.acks, offset);
  offset = body.writeInt32BE(request.timeoutMs, offset);
  offset = body.writeInt32BE(topics.size, offset);
  for (const [topic, entries] of topics) {
    offset = writeString(body, offset, topic);
    offset = body.writeInt32BE(entries.length, offset);
    for (const entry of entries) {
      offset = body.writeInt32BE(entry.partition, offset);
      offset = body.writeInt32BE(entry.batch.buffer.length, offset);
      offset += entry.batch.buffer.copy(body, offset);
    }
  }
  return body;
}

/**
 * The request for the Broker's private `sendRequest`. kafkajs' request framing (`src/protocol/request.js`) takes the
 * body from `encode()` as an Encoder: it checks `buf` is a Buffer and copies `buffer`, which this object provides.
 */
export function produceRequest(version: number, request: Parameters<typeof encodeProduceBody>[0]): ProtocolRequest<ProduceResponse> {
  const body = encodeProduceBody(request);
  const encoded = { buf: body, buffer: body };
  return {
    request: {
      apiKey: PRODUCE,
      apiVersion: version,
      apiName: 'Produce',
      encode: async () => encoded as unknown as Awaited<ReturnType<ProtocolRequest<ProduceResponse>['request']['encode']>>,
    },
    response: responseModule(version),
  };
}
