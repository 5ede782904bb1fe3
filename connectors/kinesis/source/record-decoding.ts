import type { _Record } from '@aws-sdk/client-kinesis';
import { type LockstepRecord, RecordError } from '../../../core/sdk';
import { kinesisOrigin } from './kinesis-split';

/** How record data is decoded. */
export type KinesisValueFormat = 'bytes' | 'string' | 'json';

/**
 * A Kinesis record as a lockstep record: the data per `format`, the partition key as key, the approximate arrival
 * time as timestamp, `<stream>/<shard>@<sequence number>` as origin.
 *
 * @throws RecordError (`LS_KINESIS_VALUE_NOT_JSON`) for data that is not JSON under the json format; its record
 * carries the text as it was, so a dead-letter sink can keep it.
 */
export function decodeKinesisRecord(stream: string, shardId: string, record: _Record, format: KinesisValueFormat): LockstepRecord {
  const bytes = Buffer.from(record.Data ?? new Uint8Array());
  const timestamp = record.ApproximateArrivalTimestamp?.getTime();
  const raw: LockstepRecord = {
    value: bytes.toString('utf8'),
    ...(record.PartitionKey === undefined ? {} : { key: record.PartitionKey }),
    ...(timestamp === undefined ? {} : { timestamp }),
    origin: kinesisOrigin(stream, shardId, record.SequenceNumber ?? '?'),
  };
  if (format === 'string') return raw;
  if (format === 'bytes') return { ...raw, value: bytes };
  try {
    return { ...raw, value: JSON.parse(raw.value as string) as unknown };
  } catch (cause) {
    throw new RecordError(`${raw.origin ?? ''}: data is not valid JSON (${(cause as Error).message})`, raw, {
      code: 'LS_KINESIS_VALUE_NOT_JSON',
      cause,
      field: 'value',
    });
  }
}
