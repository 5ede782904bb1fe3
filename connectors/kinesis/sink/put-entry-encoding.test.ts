import { RecordError } from '../../../core/sdk';
import { PutEntryEncoder, recordId } from './put-entry-encoding';

const json = new PutEntryEncoder({ format: 'json', idField: 'lockstepId' });
const text = (data: Uint8Array): string => Buffer.from(data).toString('utf8');

describe('PutEntryEncoder', () => {
  it('gives a record the same id on every replay, a different one for another position', () => {
    const record = { value: { id: 1 }, key: 'k', origin: 'orders/shardId-000000000000@1' };
    expect(recordId(record)).toBe(recordId({ ...record }));
    expect(recordId(record)).toMatch(/^[0-9a-f]{32}$/);
    expect(recordId(record)).not.toBe(recordId({ ...record, origin: 'orders/shardId-000000000000@2' }));
    expect(recordId({ value: 'a' })).toBe(recordId({ value: 'a' }));
  });

  it('json: puts the id into an object value, wraps any other value, keys by the record key or the id', () => {
    const record = { value: { id: 1, name: 'x' }, key: 'customer-7', origin: 'o@1' };
    const entry = json.encode(record);
    expect(JSON.parse(text(entry.Data))).toEqual({ id: 1, name: 'x', lockstepId: recordId(record) });
    expect(entry.PartitionKey).toBe('customer-7');
    expect(entry.size).toBe(entry.Data.byteLength + 'customer-7'.length);
    const scalar = json.encode({ value: 42, origin: 'o@2' });
    expect(JSON.parse(text(scalar.Data))).toEqual({ lockstepId: recordId({ value: 42, origin: 'o@2' }), value: 42 });
    expect(scalar.PartitionKey).toBe(recordId({ value: 42, origin: 'o@2' }));
  });

  it('takes partition and explicit hash keys from fields, and refuses what Kinesis would refuse, naming the record', () => {
    const encoder = new PutEntryEncoder({ format: 'json', idField: false, partitionKeyField: 'customer', explicitHashKeyField: 'hash' });
    const value = { customer: 17, hash: '340282366920938463463374607431768211455' };
    const entry = encoder.encode({ value });
    expect(entry).toMatchObject({ PartitionKey: '17', ExplicitHashKey: '340282366920938463463374607431768211455' });
    expect(JSON.parse(text(entry.Data))).toEqual(value);
    const refused = (value: unknown, origin = 'in@9'): unknown => {
      try {
        new PutEntryEncoder({ format: 'json', idField: 'id', partitionKeyField: 'customer', explicitHashKeyField: 'hash' }).encode({ value, origin });
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(refused({ customer: 'c', hash: '340282366920938463463374607431768211456' })).toMatchObject({ code: 'LS_KINESIS_BAD_RECORD', message: expect.stringMatching(/in@9.*explicit hash key/) });
    expect(refused({ other: 1 })).toMatchObject({ message: expect.stringMatching(/no partition key field customer/) });
    expect(refused({ customer: 'x'.repeat(257) })).toMatchObject({ message: expect.stringMatching(/257 characters/) });
    expect(refused({ customer: 'c', blob: 'x'.repeat(1024 * 1024) })).toMatchObject({ message: expect.stringMatching(/Kinesis takes at most 1048576/) });
    expect(RecordError.isRecordError(refused({ other: 1 }))).toBe(true);
  });

  it('auto: bytes and text as they are, objects as JSON with the record id, other JSON values without one', () => {
    const auto = new PutEntryEncoder({ format: 'auto', idField: 'lockstepId' });
    expect(auto.encode({ value: Buffer.from([0, 255]), key: 'k' }).Data).toEqual(Buffer.from([0, 255]));
    expect(text(auto.encode({ value: 'plain "text"', key: 'k' }).Data)).toBe('plain "text"');
    expect(text(auto.encode({ value: 7, key: 'k' }).Data)).toBe('7');
    expect(text(auto.encode({ value: [1, 2], key: 'k' }).Data)).toBe('[1,2]');
    const record = { value: { a: 1 }, key: 'k', origin: 'o@3' };
    expect(JSON.parse(text(auto.encode(record).Data))).toEqual({ a: 1, lockstepId: recordId(record) });
  });

  it('string and bytes: the value as it is, refusing values that do not fit', () => {
    expect(text(new PutEntryEncoder({ format: 'string', idField: 'lockstepId' }).encode({ value: 12.5, key: 'k' }).Data)).toBe('12.5');
    expect(new PutEntryEncoder({ format: 'bytes', idField: 'lockstepId' }).encode({ value: Buffer.from([1, 2]), key: 'k' }).Data).toEqual(Buffer.from([1, 2]));
    expect(() => new PutEntryEncoder({ format: 'bytes', idField: 'lockstepId' }).encode({ value: { a: 1 }, key: 'k' })).toThrow(/neither bytes nor a string/);
  });
});
