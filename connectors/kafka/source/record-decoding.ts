import { type LockstepRecord, RecordError } from '../../../core/sdk';
import type { FetchedMessage } from '../internals';
import type { KafkaSourceFormat } from './kafka-source-config';

/** `<topic>/<partition>@<offset>`: a record's origin. */
export function kafkaOrigin(topic: string, partition: number, offset: string | number): string {
  return `${topic}/${partition}@${offset}`;
}

/**
 * Turns fetched Kafka messages into records: key and value per their formats (a null value stays null — a tombstone —
 * and a null key leaves the record without one), headers as UTF-8 strings (the last value of a repeated header), the
 * timestamp in ms, and `<topic>/<partition>@<offset>` as origin.
 */
export class KafkaRecordDecoder {
  constructor(private readonly formats: { readonly keyFormat: KafkaSourceFormat; readonly valueFormat: KafkaSourceFormat }) {}

  /**
   * @throws RecordError (`LS_KAFKA_KEY_NOT_JSON` / `LS_KAFKA_VALUE_NOT_JSON`) for a key or value that is not JSON
   * under the json format; its record carries the text as it was, so a dead-letter sink can keep it.
   */
  decode(topic: string, partition: number, message: FetchedMessage): LockstepRecord {
    const origin = kafkaOrigin(topic, partition, message.offset);
    const headers = decodeHeaders(message.headers);
    const timestamp = Number(message.timestamp);
    const raw: LockstepRecord = {
      value: message.value === null ? null : message.value.toString('utf8'),
      ...(message.key === null ? {} : { key: message.key.toString('utf8') }),
      ...(headers === undefined ? {} : { headers }),
      ...(Number.isFinite(timestamp) && timestamp >= 0 ? { timestamp } : {}),
      origin,
    };
    const key = message.key === null ? undefined : decodeField(message.key, this.formats.keyFormat, raw, 'key');
    const value = message.value === null ? null : decodeField(message.value, this.formats.valueFormat, raw, 'value');
    return { ...raw, value, ...(key === undefined ? {} : { key }) };
  }
}

function decodeField(bytes: Buffer, format: KafkaSourceFormat, raw: LockstepRecord, field: 'key' | 'value'): unknown {
  if (format === 'bytes') return bytes;
  const text = bytes.toString('utf8');
  if (format === 'string') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new RecordError(`${raw.origin ?? ''}: ${field} is not valid JSON (${(cause as Error).message})`, raw, {
      code: field === 'key' ? 'LS_KAFKA_KEY_NOT_JSON' : 'LS_KAFKA_VALUE_NOT_JSON',
      cause,
      field,
    });
  }
}

function decodeHeaders(headers: FetchedMessage['headers']): Record<string, string> | undefined {
  const names = Object.keys(headers);
  if (names.length === 0) return undefined;
  const result: Record<string, string> = {};
  for (const name of names) {
    const value = headers[name];
    const last = Array.isArray(value) ? value.at(-1) : value;
    if (last !== undefined && last !== null) result[name] = last.toString('utf8');
  }
  return result;
}
