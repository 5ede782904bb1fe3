/**
 * How many bytes a record takes in a Kafka record batch (message format v2), computed as the broker counts them: the
 * broker refuses a batch whose size (header included) is over the topic's `max.message.bytes` with MESSAGE_TOO_LARGE.
 */

import { BATCH_HEADER_BYTES, sizeOfVarLong as varintSize } from '../internals';

/** Bytes of a record batch besides its records: base offset, length, epoch, magic, CRC, attributes, offsets… */
export const RECORD_BATCH_OVERHEAD = BATCH_HEADER_BYTES;

/**
 * What a record may take more in a batch with others than alone: its timestamp and offset deltas, 0 (one byte each)
 * for the first record of a batch, take up to 10 and 5 bytes as varints.
 */
export const DELTA_SLACK = 9 + 4;

/** A length-prefixed byte field (`null`: length -1 and no bytes). */
function fieldSize(bytes: number | null): number {
  return bytes === null ? varintSize(-1) : varintSize(bytes) + bytes;
}

/** Byte lengths of what a record holds: key, value (null for none) and each header's name and value. */
export interface RecordParts {
  readonly key: number | null;
  readonly value: number | null;
  readonly headers: readonly { readonly name: number; readonly value: number }[];
}

/** Bytes of the record first in its batch (timestamp and offset deltas 0), its own length prefix included. */
export function recordSize(parts: RecordParts): number {
  let body = 1 + varintSize(0) + varintSize(0) + fieldSize(parts.key) + fieldSize(parts.value) + varintSize(parts.headers.length);
  for (const header of parts.headers) body += fieldSize(header.name) + fieldSize(header.value);
  return varintSize(body) + body;
}
