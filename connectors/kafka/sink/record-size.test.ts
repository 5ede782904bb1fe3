import { RECORD_BATCH_OVERHEAD, recordSize } from './record-size';

/* eslint-disable @typescript-eslint/no-require-imports */
// kafkajs' own encoders of the v2 record format: the sizes computed here must be what they write.
type Encoded = { buffer: Buffer };
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | Buffer[]>;
}) => Encoded;
const { RecordBatch: encodeBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (batch: { records: Encoded[] }) => Promise<Encoded> };
/* eslint-enable @typescript-eslint/no-require-imports */

const cases: [string, Buffer | null, Buffer | null, Record<string, Buffer | Buffer[]>][] = [
  ['empty', null, null, {}],
  ['key and value', Buffer.from('k-1'), Buffer.from('{"id":1}'), {}],
  ['a tombstone', Buffer.from('k'), null, {}],
  ['headers, one repeated', Buffer.from('k'), Buffer.alloc(300, 1), { trace: Buffer.from('abc'), seen: [Buffer.from('a'), Buffer.alloc(200)] }],
  ['a value whose length needs a 3-byte varint', null, Buffer.alloc(20_000), {}],
  ['a 5 MB value', Buffer.from('big'), Buffer.alloc(5 * 1024 * 1024), {}],
];

describe('recordSize', () => {
  it.each(cases)('is what kafkajs writes for %s, and a lone record batch is the overhead more', async (_name, key, value, headers) => {
    const record = encodeRecord({ key, value, headers });
    const sizes = Object.entries(headers).flatMap(([name, entry]) =>
      (Array.isArray(entry) ? entry : [entry]).map((bytes) => ({ name: Buffer.byteLength(name), value: bytes.length })),
    );
    const size = recordSize({ key: key?.length ?? null, value: value?.length ?? null, headers: sizes });
    expect(size).toBe(record.buffer.length);
    expect((await encodeBatch({ records: [record] })).buffer.length).toBe(RECORD_BATCH_OVERHEAD + size);
  });
});
