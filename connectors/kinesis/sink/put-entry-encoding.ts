import { createHash } from 'node:crypto';
import { type LockstepRecord, RecordError } from '../../../core/sdk';
import type { KinesisSinkConfig } from './kinesis-sink-config';

/** One PutRecords entry, with its size as the service counts it (data plus partition key). */
export interface PutEntry {
  readonly PartitionKey: string;
  readonly ExplicitHashKey?: string;
  readonly Data: Uint8Array;
  readonly size: number;
}

/** The service's limit per record (data plus partition key). */
export const MAX_RECORD_BYTES = 1024 * 1024;
const MAX_PARTITION_KEY_LENGTH = 256;
const MAX_HASH_KEY = (1n << 128n) - 1n;

/**
 * The deterministic id of a record: a hash of its source position (`origin`), which a replay reproduces; a record
 * without one (made by a transform) is identified by its key and value. 32 hex digits.
 */
export function recordId(record: LockstepRecord): string {
  const identity = record.origin === undefined ? `c:${JSON.stringify([record.key ?? null, record.value])}` : `o:${record.origin}`;
  return createHash('sha256').update(identity).digest('hex').slice(0, 32);
}

/**
 * Turns records into PutRecords entries per the sink's config: data per `format` (JSON objects under auto, and every
 * value under json, carry the record id in `idField`), the partition key from `partitionKeyField`, the record's key or its id, the explicit hash key from
 * `explicitHashKeyField`.
 */
export class PutEntryEncoder {
  constructor(private readonly config: Pick<KinesisSinkConfig, 'partitionKeyField' | 'explicitHashKeyField' | 'format' | 'idField'>) {}

  /** @throws RecordError (`LS_KINESIS_BAD_RECORD`) naming the record and what does not fit. */
  encode(record: LockstepRecord): PutEntry {
    const id = recordId(record);
    const data = this.data(record, id);
    const partitionKey = this.partitionKey(record, id);
    const explicitHashKey = this.explicitHashKey(record);
    const size = data.byteLength + Buffer.byteLength(partitionKey);
    if (size > MAX_RECORD_BYTES) throw bad(record, `is ${size} bytes with its partition key; Kinesis takes at most ${MAX_RECORD_BYTES}`);
    return { PartitionKey: partitionKey, ...(explicitHashKey === undefined ? {} : { ExplicitHashKey: explicitHashKey }), Data: data, size };
  }

  private data(record: LockstepRecord, id: string): Uint8Array {
    const { value } = record;
    switch (this.config.format) {
      case 'bytes':
        if (value instanceof Uint8Array) return value;
        if (typeof value === 'string') return Buffer.from(value);
        throw bad(record, 'value is neither bytes nor a string (format bytes)');
      case 'string':
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return Buffer.from(String(value));
        throw bad(record, 'value is not a string, number or boolean (format string)');
      case 'json':
        return Buffer.from(JSON.stringify(this.withId(value, id)));
      case 'auto':
        if (value instanceof Uint8Array) return value;
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return Buffer.from(String(value));
        return Buffer.from(JSON.stringify(isPlainObject(value) ? this.withId(value, id) : (value ?? null)));
    }
  }

  private withId(value: unknown, id: string): unknown {
    const field = this.config.idField;
    if (field === false) return value ?? null;
    if (isPlainObject(value)) return { ...value, [field]: id };
    return { [field]: id, value: value ?? null };
  }

  private partitionKey(record: LockstepRecord, id: string): string {
    const field = this.config.partitionKeyField;
    const raw = field === undefined ? record.key : fieldOf(record, field);
    if (raw === undefined || raw === null) {
      if (field !== undefined) throw bad(record, `has no partition key field ${field}`);
      return id;
    }
    const key = typeof raw === 'string' ? raw : raw instanceof Uint8Array ? Buffer.from(raw).toString('utf8') : JSON.stringify(raw);
    const length = [...key].length;
    if (length === 0 || length > MAX_PARTITION_KEY_LENGTH) throw bad(record, `partition key is ${length} characters; Kinesis takes 1 to ${MAX_PARTITION_KEY_LENGTH}`);
    return key;
  }

  private explicitHashKey(record: LockstepRecord): string | undefined {
    const field = this.config.explicitHashKeyField;
    if (field === undefined) return undefined;
    const raw = fieldOf(record, field);
    if (raw === undefined || raw === null) return undefined;
    const text = String(raw);
    if (!/^[0-9]{1,39}$/.test(text) || BigInt(text) > MAX_HASH_KEY) throw bad(record, `explicit hash key ${field} is not an integer from 0 to 2^128-1`);
    return text;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function fieldOf(record: LockstepRecord, field: string): unknown {
  return isPlainObject(record.value) ? record.value[field] : undefined;
}

function bad(record: LockstepRecord, problem: string): RecordError {
  return new RecordError(`kinesis sink: record ${record.origin ?? '(no origin)'} ${problem}`, record, { code: 'LS_KINESIS_BAD_RECORD' });
}
