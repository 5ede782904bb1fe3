import { type LockstepRecord, RecordError, type RecordHeaderValue } from '../../../core/sdk';
import type { FetchedMessage } from '../internals';
import type { KafkaSourceFormat } from './kafka-source-config';

/** `<topic>/<partition>@<offset>`: a record's origin. */
export function kafkaOrigin(topic: string, partition: number, offset: string | number): string {
  return `${topic}/${partition}@${offset}`;
}

/**
 * Turns fetched Kafka messages into records: key and value per their formats (by default the bytes as stored; a null
 * value stays null — a tombstone — and a null key leaves the record without one), headers per {@link decodeHeaders},
 * the timestamp in ms, and `<topic>/<partition>@<offset>` as origin.
 */
export class KafkaRecordDecoder {
  constructor(private readonly formats: { readonly keyFormat: KafkaSourceFormat; readonly valueFormat: KafkaSourceFormat }) {}

  /**
   * @throws RecordError (`LS_KAFKA_KEY_NOT_JSON` / `LS_KAFKA_VALUE_NOT_JSON`) for a key or value that is not JSON
   * under the json format; its record carries the text as it was, so a dead-letter sink can keep it.
   */
  decode(topic: string, partition: number, message: FetchedMessage): LockstepRecord {
    const headers = decodeHeaders(message.headers);
    const timestamp = Number(message.timestamp);
    const meta = {
      ...(headers === undefined ? {} : { headers }),
      ...(Number.isFinite(timestamp) && timestamp >= 0 ? { timestamp } : {}),
      origin: kafkaOrigin(topic, partition, message.offset),
    };
    // The record as text is built only for a RecordError: under the bytes format the key and value stay slices of the
    // fetched bytes, with no string made per record (a 1 KiB record would make 1 KiB of garbage).
    const raw = (): LockstepRecord => ({
      value: message.value === null ? null : message.value.toString('utf8'),
      ...(message.key === null ? {} : { key: message.key.toString('utf8') }),
      ...meta,
    });
    const key = message.key === null ? undefined : decodeField(message.key, this.formats.keyFormat, raw, 'key');
    const value = message.value === null ? null : decodeField(message.value, this.formats.valueFormat, raw, 'value');
    return { value, ...(key === undefined ? {} : { key }), ...meta };
  }
}

function decodeField(bytes: Buffer, format: KafkaSourceFormat, raw: () => LockstepRecord, field: 'key' | 'value'): unknown {
  if (format === 'bytes') return bytes;
  const text = bytes.toString('utf8');
  if (format === 'string') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const record = raw();
    throw new RecordError(`${record.origin ?? ''}: ${field} is not valid JSON (${(cause as Error).message})`, record, {
      code: field === 'key' ? 'LS_KAFKA_KEY_NOT_JSON' : 'LS_KAFKA_VALUE_NOT_JSON',
      cause,
      field,
    });
  }
}

// fatal: bytes that are not UTF-8 stay bytes. ignoreBOM: a leading byte-order mark is kept, so the text encodes back
// to the very same bytes.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Text when the bytes are valid UTF-8 (they encode back to the same bytes), the bytes otherwise. */
function headerValue(bytes: Buffer): RecordHeaderValue {
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes;
  }
}

/**
 * Headers as a Kafka sink writes them back byte for byte: each value as text when it is valid UTF-8 and as a Buffer
 * otherwise; a repeated name keeps all its values, in order. A header without a value (null) is left out: kafkajs,
 * which writes the records, cannot write one.
 */
function decodeHeaders(headers: FetchedMessage['headers']): Record<string, RecordHeaderValue | RecordHeaderValue[]> | undefined {
  const result: Record<string, RecordHeaderValue | RecordHeaderValue[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const values = (Array.isArray(value) ? value : [value]).filter((entry): entry is Buffer => entry !== null && entry !== undefined);
    if (values.length === 0) continue;
    result[name] = values.length === 1 ? headerValue(values[0] as Buffer) : values.map(headerValue);
  }
  return Object.keys(result).length === 0 ? undefined : result;
}
