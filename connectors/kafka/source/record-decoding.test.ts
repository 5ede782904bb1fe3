import { RecordError } from '../../../core/sdk';
import type { FetchedMessage } from '../internals';
import { KafkaRecordDecoder } from './record-decoding';

const message = (overrides: Partial<FetchedMessage> = {}): FetchedMessage => ({
  offset: '41',
  key: Buffer.from('k-1'),
  value: Buffer.from('{"id":1}'),
  headers: {},
  timestamp: '1700000000123',
  ...overrides,
});

function errorOf(run: () => unknown): RecordError {
  try {
    run();
  } catch (error) {
    if (error instanceof RecordError) return error;
    throw error;
  }
  throw new Error('expected a RecordError');
}

describe('kafka record decoding', () => {
  it('decodes strings, with headers, timestamp and origin', () => {
    const decoder = new KafkaRecordDecoder({ keyFormat: 'string', valueFormat: 'string' });
    expect(decoder.decode('orders', 2, message({ headers: { trace: Buffer.from('abc') } }))).toEqual({
      value: '{"id":1}',
      key: 'k-1',
      headers: { trace: 'abc' },
      timestamp: 1700000000123,
      origin: 'orders/2@41',
    });
  });

  it('keeps every header byte: UTF-8 values as text (a byte-order mark too), others as bytes, repeated names in order', () => {
    const decoder = new KafkaRecordDecoder({ keyFormat: 'bytes', valueFormat: 'bytes' });
    const binary = Buffer.from([0xc3, 0x28, 0xff]);
    const bom = Buffer.from([0xef, 0xbb, 0xbf, 0x61]);
    const headers = { trace: Buffer.from('abc'), bin: binary, bom, repeated: [Buffer.from('first'), binary, null, Buffer.from('last')], empty: null };
    const record = decoder.decode('orders', 2, message({ headers }));
    expect(record.headers).toEqual({ trace: 'abc', bin: binary, bom: '\ufeffa', repeated: ['first', binary, 'last'] });
    expect(Buffer.from(record.headers?.bom as string, 'utf8')).toEqual(bom);
    expect(decoder.decode('orders', 2, message({ headers: { empty: null } })).headers).toBeUndefined();
  });

  it('parses json and keeps bytes as Buffers', () => {
    const json = new KafkaRecordDecoder({ keyFormat: 'json', valueFormat: 'json' });
    expect(json.decode('t', 0, message({ key: Buffer.from('[1,2]') }))).toMatchObject({ key: [1, 2], value: { id: 1 } });
    const bytes = new KafkaRecordDecoder({ keyFormat: 'bytes', valueFormat: 'bytes' });
    const record = bytes.decode('t', 0, message({ value: Buffer.from([0xff, 0x00]) }));
    expect(Buffer.isBuffer(record.value)).toBe(true);
    expect([...(record.value as Buffer)]).toEqual([0xff, 0x00]);
    expect(Buffer.isBuffer(record.key)).toBe(true);
  });

  it('makes no text of key and value under the bytes format (the text form is only for a RecordError)', () => {
    const decoder = new KafkaRecordDecoder({ keyFormat: 'bytes', valueFormat: 'bytes' });
    const toText = jest.spyOn(Buffer.prototype, 'toString');
    try {
      const record = decoder.decode('t', 0, message({ value: Buffer.alloc(1024, 0x61) }));
      expect((record.value as Buffer).length).toBe(1024);
      expect(toText).not.toHaveBeenCalled();
    } finally {
      toText.mockRestore();
    }
  });

  it('keeps a null value (tombstone) and leaves out a null key', () => {
    const decoder = new KafkaRecordDecoder({ keyFormat: 'json', valueFormat: 'json' });
    const record = decoder.decode('t', 1, message({ key: null, value: null }));
    expect(record.value).toBeNull();
    expect('key' in record).toBe(false);
  });

  it('reports a value that is not JSON as a bad record naming topic/partition@offset', () => {
    const decoder = new KafkaRecordDecoder({ keyFormat: 'string', valueFormat: 'json' });
    const error = errorOf(() => decoder.decode('orders', 3, message({ offset: '17', value: Buffer.from('{oops') })));
    expect(error.code).toBe('LS_KAFKA_VALUE_NOT_JSON');
    expect(error.message).toContain('orders/3@17');
    expect(error.retriable).toBe(false);
    expect(error.record).toMatchObject({ value: '{oops', key: 'k-1', origin: 'orders/3@17' });
    expect(error.context).toMatchObject({ origin: 'orders/3@17', field: 'value' });
  });

  it('reports a key that is not JSON', () => {
    const decoder = new KafkaRecordDecoder({ keyFormat: 'json', valueFormat: 'string' });
    expect(errorOf(() => decoder.decode('t', 0, message({ key: Buffer.from('plain') }))).code).toBe('LS_KAFKA_KEY_NOT_JSON');
  });
});
