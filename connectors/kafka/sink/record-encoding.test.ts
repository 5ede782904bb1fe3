import { RecordError } from '../../../core/sdk';
import { validatedConfig } from '../../../core/testing';
import { kafkaSinkPlugin } from './kafka-sink-plugin';
import { RecordEncoder } from './record-encoding';
import { recordSize } from './record-size';

/** An encoder for the sink options given (schema defaults: keys and values auto, the record's timestamp). */
const encoderFor = (options: object): RecordEncoder => new RecordEncoder(validatedConfig(kafkaSinkPlugin, { brokers: ['b:1'], ...options }));
const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('RecordEncoder', () => {
  it('by default writes bytes and strings as they are, numbers as text, objects as JSON, and keeps headers and timestamp', () => {
    const encoded = encoderFor({ topic: 'out' }).encode({ value: { id: 'a', n: 1 }, key: 42, headers: { h: 'v' }, timestamp: 1700000000000 });
    expect(encoded.topic).toBe('out');
    expect(encoded.message).toEqual({ key: bytes('42'), value: bytes('{"id":"a","n":1}'), headers: { h: bytes('v') }, timestamp: '1700000000000' });
    expect(encoded.bytes).toBe(recordSize({ key: 2, value: 16, headers: [{ name: 1, value: 1 }] }));

    const binary = Buffer.from([0xff, 0x00, 0xc3]);
    const copied = encoderFor({ topic: 'out' }).encode({ value: binary, key: bytes('{"k":1}'), headers: { raw: binary, many: ['a', binary] } });
    expect(copied.message.value).toEqual(binary);
    expect(copied.message.key).toEqual(bytes('{"k":1}'));
    expect(copied.message.headers).toEqual({ raw: binary, many: [bytes('a'), binary] });
    // a string is text, not JSON: no quotes are added
    expect(encoderFor({ topic: 'out' }).encode({ value: '{"id":1}' }).message.value).toEqual(bytes('{"id":1}'));
    expect(encoderFor({ topic: 'out' }).encode({ value: [1, true] }).message.value).toEqual(bytes('[1,true]'));
  });

  it('leaves the timestamp to the broker with timestamp: now', () => {
    expect(encoderFor({ topic: 'out', timestamp: 'now' }).encode({ value: 'x', timestamp: 5 }).message.timestamp).toBeUndefined();
    expect(encoderFor({ topic: 'out' }).encode({ value: 'x' }).message.timestamp).toBeUndefined();
  });

  it('routes by a field of the value, falling back to topic, and takes the key from a field', () => {
    const encoder = encoderFor({ topic: 'default', topicField: 'to', keyField: 'id' });
    expect(encoder.encode({ value: { to: 'orders', id: 7 } })).toMatchObject({ topic: 'orders', message: { key: bytes('7') } });
    expect(encoder.encode({ value: { id: 'x' } })).toMatchObject({ topic: 'default', message: { key: bytes('x') } });
  });

  it('writes records without a key with no key, and null values as tombstones', () => {
    expect(encoderFor({ topic: 't' }).encode({ value: null }).message).toEqual({ key: null, value: null });
  });

  it('writes the json, string and bytes formats', () => {
    expect(encoderFor({ topic: 't', valueFormat: 'json', keyFormat: 'json' }).encode({ value: 'text', key: 'k' }).message).toEqual({
      key: bytes('"k"'),
      value: bytes('"text"'),
    });
    const encoder = encoderFor({ topic: 't', keyFormat: 'bytes', valueFormat: 'string' });
    const message = encoder.encode({ value: 'plain', key: Buffer.from([1, 2]) }).message;
    expect(message.value).toEqual(bytes('plain'));
    expect(message.key).toEqual(Buffer.from([1, 2]));
    expect(encoderFor({ topic: 't', valueFormat: 'bytes' }).encode({ value: new Uint8Array([9]) }).message.value).toEqual(Buffer.from([9]));
  });

  it.each([
    [{ topic: 't', valueFormat: 'string' as const }, { value: { a: 1 }, origin: 'in/0@5' }, 'value', /in\/0@5.*value is object, not a string/],
    [{ topic: 't', valueFormat: 'bytes' as const }, { value: 12 }, 'value', /value is number, not bytes/],
    [{ topic: 't', keyFormat: 'string' as const }, { value: 1, key: { k: 1 } }, 'key', /key is object, not a string/],
    [{ topicField: 'to' }, { value: { to: 3 } }, 'to', /field to must name the topic/],
    [{ topic: 't' }, { value: undefined }, 'value', /has no value/],
    [{ topic: 't' }, { value: () => 1 }, 'value', /value is function, not a JSON value/],
    [{ topic: 't', valueFormat: 'json' as const }, { value: Buffer.from('x') }, 'value', /is bytes, not a JSON value/],
    [{ topic: 't' }, { value: 1, headers: { n: 5 as unknown as string } }, 'headers.n', /header n is number, not text or bytes/],
    [{ topic: 't' }, { value: 1, timestamp: -3 }, 'timestamp', /timestamp -3 is not milliseconds since the epoch/],
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
