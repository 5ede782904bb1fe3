import type { Message } from 'kafkajs';
import { LockstepError, type LockstepRecord, RecordError } from '../../../core/sdk';
import type { KafkaDataFormat, KafkaSinkConfig } from './kafka-sink-config';

/** One record turned into what Kafka stores, with the topic it goes to. */
export interface EncodedRecord {
  readonly topic: string;
  readonly message: Message;
  /** Approximate size in a record batch (key, value, headers and per-record overhead), for batching. */
  readonly bytes: number;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Buffer.isBuffer(value)) return 'bytes';
  return Array.isArray(value) ? 'array' : typeof value;
}

/**
 * Encodes `value` per `format`; throws a message naming what is wrong (the caller turns it into a RecordError).
 * json: any JSON value; string: strings (numbers and booleans as text); bytes: Buffers or Uint8Arrays.
 */
function encode(value: unknown, format: KafkaDataFormat): Buffer | string {
  switch (format) {
    case 'json': {
      if (value instanceof Uint8Array) throw new LockstepError('is bytes, not a JSON value (use format bytes)', { code: 'LS_KAFKA_RECORD' });
      const text = JSON.stringify(value);
      if (text === undefined) throw new LockstepError(`is ${describe(value)}, not a JSON value`, { code: 'LS_KAFKA_RECORD' });
      return text;
    }
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
      if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
      throw new LockstepError(`is ${describe(value)}, not a string (use format json)`, { code: 'LS_KAFKA_RECORD' });
    case 'bytes':
      if (value instanceof Uint8Array) return Buffer.isBuffer(value) ? value : Buffer.from(value);
      if (typeof value === 'string') return Buffer.from(value, 'utf8');
      throw new LockstepError(`is ${describe(value)}, not bytes`, { code: 'LS_KAFKA_RECORD' });
  }
}

function field(record: LockstepRecord, name: string): unknown {
  const value = record.value;
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return undefined;
  return (value as Record<string, unknown>)[name];
}

/** What a record costs in a Kafka record batch besides its key, value and headers (lengths, deltas, attributes). */
const RECORD_OVERHEAD_BYTES = 24;

function headerBytes(headers: LockstepRecord['headers']): number {
  if (headers === undefined) return 0;
  let bytes = 0;
  for (const [name, value] of Object.entries(headers)) bytes += 8 + Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

/** Encodes records for one sink config: topic, key, value, headers and timestamp. */
export class RecordEncoder {
  private readonly keyFormat: KafkaDataFormat;
  private readonly valueFormat: KafkaDataFormat;

  constructor(private readonly config: Pick<KafkaSinkConfig, 'topic' | 'topicField' | 'keyField' | 'keyFormat' | 'valueFormat'>) {
    this.keyFormat = config.keyFormat;
    this.valueFormat = config.valueFormat;
  }

  /** @throws RecordError naming the record and the field that cannot be written. */
  encode(record: LockstepRecord): EncodedRecord {
    const topic = this.topicOf(record);
    const rawKey = this.config.keyField === undefined ? record.key : field(record, this.config.keyField);
    const key = rawKey === undefined || rawKey === null ? null : this.encodeField(record, rawKey, this.keyFormat, this.config.keyField ?? 'key');
    if (record.value === undefined) throw this.error(record, 'value', 'the record has no value');
    const value = record.value === null ? null : this.encodeField(record, record.value, this.valueFormat, 'value');
    const message: Message = { key, value };
    if (record.headers !== undefined) message.headers = { ...record.headers };
    if (record.timestamp !== undefined) message.timestamp = String(record.timestamp);
    return { topic, message, bytes: RECORD_OVERHEAD_BYTES + (key?.length ?? 0) + (value?.length ?? 0) + headerBytes(record.headers) };
  }

  private topicOf(record: LockstepRecord): string {
    if (this.config.topicField === undefined) return this.config.topic as string;
    const topic = field(record, this.config.topicField);
    if (typeof topic === 'string' && topic.length > 0) return topic;
    if (this.config.topic !== undefined) return this.config.topic;
    throw this.error(record, this.config.topicField, `field ${this.config.topicField} must name the topic (a non-empty string), got ${describe(topic)}`);
  }

  private encodeField(record: LockstepRecord, value: unknown, format: KafkaDataFormat, name: string): Buffer | string {
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
