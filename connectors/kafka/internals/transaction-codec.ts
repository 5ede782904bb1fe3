/**
 * The wire format of `DescribeTransactions` (API 65) and `ListTransactions` (API 66) v0, which kafkajs does not
 * implement, written with kafkajs' own `Encoder` / `Decoder` (`kafkajs/src/protocol/encoder|decoder`). Both are
 * *flexible* versions (KIP-482): kafkajs writes request header v1; header v2 only adds an empty tagged-field section
 * after the client id, which is written here as the body's first byte. Responses of flexible versions start with the
 * header's tagged fields, read here before the body. docs/kafkajs-internals.md lists what breaks if kafkajs changes.
 */

/* eslint-disable @typescript-eslint/no-require-imports */
export interface KafkaEncoder {
  readonly buffer: Buffer;
  writeInt16(value: number): KafkaEncoder;
  writeInt32(value: number): KafkaEncoder;
  writeInt64(value: number | string): KafkaEncoder;
  writeUVarInt(value: number): KafkaEncoder;
  writeUVarIntString(value: string): KafkaEncoder;
}

interface KafkaDecoder {
  readInt16(): number;
  readInt32(): number;
  readInt64(): { toString(): string };
  readUVarInt(): number;
  readUVarIntString(): string;
  readTaggedFields(): unknown;
}

const Encoder = require('kafkajs/src/protocol/encoder') as new () => KafkaEncoder;
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => KafkaDecoder;
/* eslint-enable @typescript-eslint/no-require-imports */

/** A new kafkajs protocol encoder (tests build responses with it). */
export function newEncoder(): KafkaEncoder {
  return new Encoder();
}

/** A request as the internal Broker's private `sendRequest` takes it. */
export interface ProtocolRequest<T> {
  request: { apiKey: number; apiVersion: number; apiName: string; encode: () => Promise<KafkaEncoder> };
  response: { decode: (data: Buffer) => Promise<T>; parse: (data: T) => Promise<T> };
}

/** A transaction's state as its coordinator describes it (`DescribeTransactions`). */
export interface TransactionDescription {
  readonly transactionalId: string;
  /** `Empty`, `Ongoing`, `PrepareCommit`, `PrepareAbort`, `CompleteCommit`, `CompleteAbort`, `Dead`, `PrepareEpochFence`. */
  readonly state: string;
  /** A 64-bit id, as a decimal string. */
  readonly producerId: string;
  readonly producerEpoch: number;
  readonly timeoutMs: number;
}

/** One entry of a `DescribeTransactions` response: a description, with the entry's error code (0: none). */
export interface DescribedTransaction extends TransactionDescription {
  readonly errorCode: number;
}

/** One transaction of a `ListTransactions` response. */
export interface ListedTransaction {
  readonly transactionalId: string;
  readonly producerId: string;
  readonly state: string;
}

export interface ListTransactionsResponse {
  readonly errorCode: number;
  readonly transactions: ListedTransaction[];
}

/** A request of a flexible API version, v0: header tagged fields, `body`, body tagged fields; and its response. */
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

function describedTransaction(decoder: KafkaDecoder): DescribedTransaction {
  const errorCode = decoder.readInt16();
  const transactionalId = decoder.readUVarIntString();
  const state = decoder.readUVarIntString();
  const timeoutMs = decoder.readInt32();
  decoder.readInt64(); // transaction start time
  const producerId = decoder.readInt64().toString();
  const producerEpoch = decoder.readInt16();
  compactArray(decoder, () => {
    decoder.readUVarIntString(); // topic
    compactArray(decoder, () => decoder.readInt32()); // partitions
    decoder.readTaggedFields();
  });
  decoder.readTaggedFields();
  return { errorCode, transactionalId, state, timeoutMs, producerId, producerEpoch };
}

/** `DescribeTransactions` v0 for `transactionalIds`. */
export function describeTransactionsRequest(transactionalIds: readonly string[]): ProtocolRequest<DescribedTransaction[]> {
  return flexibleRequest(
    65,
    'DescribeTransactions',
    (encoder) => {
      encoder.writeUVarInt(transactionalIds.length + 1);
      for (const id of transactionalIds) encoder.writeUVarIntString(id);
    },
    (decoder) => {
      decoder.readInt32(); // throttle time
      const described = compactArray(decoder, () => describedTransaction(decoder));
      decoder.readTaggedFields();
      return described;
    },
  );
}

/** `ListTransactions` v0: the transactions a broker coordinates, those in one of `states` (all when empty). */
export function listTransactionsRequest(states: readonly string[]): ProtocolRequest<ListTransactionsResponse> {
  return flexibleRequest(
    66,
    'ListTransactions',
    (encoder) => {
      encoder.writeUVarInt(states.length + 1);
      for (const state of states) encoder.writeUVarIntString(state);
      encoder.writeUVarInt(1); // producer id filters: none
    },
    (decoder) => {
      decoder.readInt32(); // throttle time
      const errorCode = decoder.readInt16();
      compactArray(decoder, () => decoder.readUVarIntString()); // unknown state filters
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
  );
}
