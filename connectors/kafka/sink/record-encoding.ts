import type { IHeaders, Message } from 'kafkajs';
import { LockstepError, type LockstepRecord, RecordError, type RecordHeaders } from '../../../core/sdk';
import type { KafkaDataFormat, KafkaSinkConfig } from './kafka-sink-config';
import { recordSize } from './record-size';

/** One record turned into what Kafka stores, with the topic it goes to. */
export interface EncodedRecord {
  readonly topic: string;
  readonly message: Message;
  /** Bytes the record takes in a record batch, alone in it (see record-size.ts). */
  readonly bytes: number;
  /** The record's origin, for errors about the batch it is sent in. */
  readonly origin?: string;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return 'bytes';
  return Array.isArray(value) ? 'array' : typeof value;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function jsonText(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new LockstepError(`is ${describe(value)}, not a JSON value`, { code: 'LS_KAFKA_RECORD' });
  return text;
}

/**
 * The bytes of `value` per `format`; throws a message naming what is wrong (the caller turns it into a RecordError).
 * auto: bytes as they are, strings as UTF-8, numbers and booleans as text, anything else as JSON; json: any JSON value
 * (a string gets its quotes); string: strings, numbers and booleans as text; bytes: Buffers, Uint8Arrays and strings.
 */
function encode(value: unknown, format: KafkaDataFormat): Buffer {
  switch (format) {
    case 'auto':
      if (value instanceof Uint8Array) return asBuffer(value);
      if (typeof value === 'string') return Buffer.from(value, 'utf8');
      if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return Buffer.from(String(value));
      return Buffer.from(jsonText(value), 'utf8');
    case 'json':
      if (value instanceof Uint8Array) throw new LockstepError('is bytes, not a JSON value (use format auto or bytes)', { code: 'LS_KAFKA_RECORD' });
      return Buffer.from(jsonText(value), 'utf8');
    case 'string':
      if (typeof value === 'string') return Buffer.from(value, 'utf8');
      if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return Buffer.from(String(value));
      if (value instanceof Uint8Array) return asBuffer(value);
      throw new LockstepError(`is ${describe(value)}, not a string (use format auto or json)`, { code: 'LS_KAFKA_RECORD' });
    case 'bytes':
      if (value instanceof Uint8Array) return asBuffer(value);
      if (typeof value === 'string') return Buffer.from(value, 'utf8');
      throw new LockstepError(`is ${describe(value)}, not bytes`, { code: 'LS_KAFKA_RECORD' });
  }
}

function field(record: LockstepRecord, name: string): unknown {
  const value = record.value;
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return undefined;
  return (value as Record<string, unknown>)[name];
}

/** A header value as kafkajs writes it: text as UTF-8, bytes as they are; undefined for anything else. */
function headerBytes(value: unknown): Buffer | undefined {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return value instanceof Uint8Array ? asBuffer(value) : undefined;
}

/** Encodes records for one sink config: topic, key, value, headers and timestamp. */
export class RecordEncoder {
  constructor(
    private readonly config: Pick<KafkaSinkConfig, 'topic' | 'topicField' | 'keyField' | 'keyFormat' | 'valueFormat' | 'timestamp'>,
  ) {}

  /** The configured `topic` (with `topicField`: the topic of records without the field), if any. */
  get topic(): string | undefined {
    return this.config.topic;
  }

  /** @throws RecordError naming the record and the field that cannot be written. */
  encode(record: LockstepRecord): EncodedRecord {
    const topic = this.topicOf(record);
    const rawKey = this.config.keyField === undefined ? record.key : field(record, this.config.keyField);
    const key = rawKey === undefined || rawKey === null ? null : this.encodeField(record, rawKey, this.config.keyFormat, this.config.keyField ?? 'key');
    if (record.value === undefined) throw this.error(record, 'value', 'the record has no value');
    const value = record.value === null ? null : this.encodeField(record, record.value, this.config.valueFormat, 'value');
    const message: Message = { key, value };
    const sizes: { name: number; value: number }[] = [];
    if (record.headers !== undefined) message.headers = this.encodeHeaders(record, record.headers, sizes);
    const timestamp = this.timestampOf(record);
    if (timestamp !== undefined) message.timestamp = timestamp;
    const bytes = recordSize({ key: key?.length ?? null, value: value?.length ?? null, headers: sizes });
    return { topic, message, bytes, ...(record.origin === undefined ? {} : { origin: record.origin }) };
  }

  private topicOf(record: LockstepRecord): string {
    if (this.config.topicField === undefined) return this.config.topic as string;
    const topic = field(record, this.config.topicField);
    if (typeof topic === 'string' && topic.length > 0) return topic;
    if (this.config.topic !== undefined) return this.config.topic;
    throw this.error(record, this.config.topicField, `field ${this.config.topicField} must name the topic (a non-empty string), got ${describe(topic)}`);
  }

  private timestampOf(record: LockstepRecord): string | undefined {
    if (this.config.timestamp === 'now' || record.timestamp === undefined) return undefined;
    if (Number.isSafeInteger(record.timestamp) && record.timestamp >= 0) return String(record.timestamp);
    throw this.error(record, 'timestamp', `timestamp ${String(record.timestamp)} is not milliseconds since the epoch`);
  }

  /** Every header value as bytes (a repeated name keeps its values in order); `sizes` gets each one's lengths. */
  private encodeHeaders(record: LockstepRecord, headers: RecordHeaders, sizes: { name: number; value: number }[]): IHeaders {
    const encoded: IHeaders = {};
    for (const [name, value] of Object.entries(headers)) {
      const values: readonly unknown[] = Array.isArray(value) ? value : [value];
      const buffers = values.map((entry) => {
        const bytes = headerBytes(entry);
        if (bytes === undefined) throw this.error(record, `headers.${name}`, `header ${name} is ${describe(entry)}, not text or bytes`);
        sizes.push({ name: Buffer.byteLength(name), value: bytes.length });
        return bytes;
      });
      encoded[name] = Array.isArray(value) ? buffers : buffers[0];
    }
    return encoded;
  }

  private encodeField(record: LockstepRecord, value: unknown, format: KafkaDataFormat, name: string): Buffer {
    try {
      return encode(value, format);
    } catch (error) {
      throw this.error(record, name, `${name} ${(error as Error).message}`);
    }
  }

  private error(record: LockstepRecord, field: string, message: string): RecordError {
    const where = record.origin === undefined ? '' : ` (record ${record.origin})`;
    return new RecordError(`kafka sink cannot write the record${where}: ${message}`, record, { code: 'LS_KAFKA_RECORD', field });
  }
}
