import { RecordError } from '../../../core/sdk';
import { validatedConfig } from '../../../core/testing';
import { kafkaSinkPlugin } from './kafka-sink-plugin';
import { RecordEncoder } from './record-encoding';

/** An encoder for the sink options given (schema defaults: keys as strings, values as JSON). */
const encoderFor = (options: object): RecordEncoder => new RecordEncoder(validatedConfig(kafkaSinkPlugin, { brokers: ['b:1'], ...options }));

describe('RecordEncoder', () => {
  it('writes JSON values, string keys, headers and the timestamp to the configured topic', () => {
    const encoded = encoderFor({ topic: 'out' }).encode({ value: { id: 'a', n: 1 }, key: 42, headers: { h: 'v' }, timestamp: 1700000000000 });
    expect(encoded.topic).toBe('out');
    expect(encoded.message).toEqual({ key: '42', value: '{"id":"a","n":1}', headers: { h: 'v' }, timestamp: '1700000000000' });
    // per-record overhead, key, value, and the header (its own overhead, name and value)
    expect(encoded.bytes).toBe(24 + 2 + 16 + (8 + 1 + 1));
  });

  it('routes by a field of the value, falling back to topic, and takes the key from a field', () => {
    const encoder = encoderFor({ topic: 'default', topicField: 'to', keyField: 'id' });
    expect(encoder.encode({ value: { to: 'orders', id: 7 } })).toMatchObject({ topic: 'orders', message: { key: '7' } });
    expect(encoder.encode({ value: { id: 'x' } })).toMatchObject({ topic: 'default', message: { key: 'x' } });
  });

  it('writes records without a key with no key, and null values as tombstones', () => {
    expect(encoderFor({ topic: 't' }).encode({ value: null }).message).toEqual({ key: null, value: null });
  });

  it('writes string and bytes formats as they are', () => {
    const encoder = encoderFor({ topic: 't', keyFormat: 'bytes', valueFormat: 'string' });
    const message = encoder.encode({ value: 'plain', key: Buffer.from([1, 2]) }).message;
    expect(message.value).toBe('plain');
    expect(message.key).toEqual(Buffer.from([1, 2]));
    expect(encoderFor({ topic: 't', valueFormat: 'bytes' }).encode({ value: new Uint8Array([9]) }).message.value).toEqual(Buffer.from([9]));
  });

  it.each([
    [{ topic: 't', valueFormat: 'string' as const }, { value: { a: 1 }, origin: 'in/0@5' }, 'value', /value is object, not a string.*in\/0@5|in\/0@5.*value is object, not a string/],
    [{ topic: 't', valueFormat: 'bytes' as const }, { value: 12 }, 'value', /value is number, not bytes/],
    [{ topic: 't', keyFormat: 'string' as const }, { value: 1, key: { k: 1 } }, 'key', /key is object, not a string/],
    [{ topicField: 'to' }, { value: { to: 3 } }, 'to', /field to must name the topic/],
    [{ topic: 't' }, { value: undefined }, 'value', /has no value/],
    [{ topic: 't', valueFormat: 'json' as const }, { value: Buffer.from('x') }, 'value', /is bytes, not a JSON value/],
  ])('refuses a record that does not fit (%j) as a bad record naming the field', (config, record, field, message) => {
    let error: unknown;
    try {
      encoderFor(config).encode(record);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RecordError);
    expect((error as RecordError).message).toMatch(message);
    expect((error as RecordError).context).toMatchObject({ field });
  });
});
