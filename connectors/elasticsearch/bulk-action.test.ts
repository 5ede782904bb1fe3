import { RecordError, type LockstepRecord } from '../../core/sdk';
import { BulkActionBuilder, originDocumentId } from './bulk-action';
import { resolveElasticsearchSink, type ElasticsearchSinkConfig } from './elasticsearch-sink-config';
import { BASE_SINK_CONFIG as BASE } from './fixtures/base-sink-config';


function builder(overrides: Partial<ElasticsearchSinkConfig> = {}): BulkActionBuilder {
  return new BulkActionBuilder(resolveElasticsearchSink({ ...BASE, ...overrides }));
}

function lines(body: string): unknown[] {
  return body.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown);
}

const record: LockstepRecord = { value: { order: 7, region: 'eu', v: 3, op: 'd' }, key: 'k7', origin: 'orders/2@1234', timestamp: Date.UTC(2026, 11, 4, 23) };

describe('BulkActionBuilder', () => {
  it('defaults to a create action whose id is the record origin: the same record always yields the same action', () => {
    const action = builder().build(record);
    expect(lines(action.body)).toEqual([{ create: { _index: 'orders', _id: 'orders/2@1234' } }, record.value]);
    expect(builder().build({ ...record }).body).toBe(action.body);
    expect(action.bytes).toBe(Buffer.byteLength(action.body));
  });

  it('hashes an origin longer than 512 bytes', () => {
    const long = 'x'.repeat(600);
    expect(originDocumentId(long)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(originDocumentId(long)).toBe(originDocumentId(long));
    expect(originDocumentId('a/0@1')).toBe('a/0@1');
  });

  it('refuses a record without an origin when ids come from the origin, naming the option', () => {
    const error = ((): unknown => {
      try {
        builder().build({ value: { a: 1 } });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(RecordError.isRecordError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'LS_ELASTICSEARCH_RECORD', message: expect.stringContaining('set documentId') });
  });

  it('joins several id fields, takes external versions, routing and a date-pattern index', () => {
    const action = builder({ documentId: ['value.region', 'key'], version: 'value.v', routing: 'value.region', index: 'orders-{timestamp:yyyy.MM.dd}' }).build(record);
    expect(lines(action.body)[0]).toEqual({ index: { _index: 'orders-2026.12.04', _id: 'eu|k7', routing: 'eu', version: 3, version_type: 'external' } });
    expect(action.externalVersion).toBe(true);
  });

  it('writes update as doc_as_upsert and delete without a source line; the operation may come from a field', () => {
    const update = builder({ operation: 'update', documentId: 'order' }).build(record);
    expect(lines(update.body)).toEqual([{ update: { _index: 'orders', _id: '7' } }, { doc: record.value, doc_as_upsert: true }]);
    const fromField = builder({ operationField: 'value.op', documentId: 'order' }).build(record);
    expect(fromField.operation).toBe('delete');
    expect(lines(fromField.body)).toEqual([{ delete: { _index: 'orders', _id: '7' } }]);
    expect(builder({ operationField: 'value.op' }).build({ ...record, value: { op: 'c' } }).operation).toBe('index');
  });

  it('refuses bad fields with the field named: missing id, negative version, unknown operation, non-object document', () => {
    expect(() => builder({ documentId: 'value.missing' }).build(record)).toThrow(/documentId field value.missing is missing/);
    expect(() => builder({ version: 'value.region' }).build(record)).toThrow(/version field value.region is "eu", not a non-negative integer/);
    expect(() => builder({ operationField: 'value.region' }).build(record)).toThrow(/operation field value.region is "eu"/);
    expect(() => builder().build({ ...record, value: 'text' })).toThrow(/not a JSON object/);
    expect(() => builder({ index: 'x-{value.nothing}' }).build(record)).toThrow(/field value.nothing is missing/);
  });

  it('leaves the id to Elasticsearch with documentId auto', () => {
    const action = builder({ documentId: 'auto' }).build(record);
    expect(lines(action.body)[0]).toEqual({ index: { _index: 'orders' } });
    expect(lines(builder({ documentId: 'key' }).build(record).body)[0]).toEqual({ index: { _index: 'orders', _id: 'k7' } });
    expect(action.id).toBeUndefined();
  });
});

describe('resolveElasticsearchSink', () => {
  it('refuses combinations that cannot work, naming the sink', () => {
    expect(() => resolveElasticsearchSink({ ...BASE, version: 'v', operation: 'update' })).toThrow(/elasticsearch sink es: version cannot be used with operation update/);
    expect(() => resolveElasticsearchSink({ ...BASE, documentId: 'auto', operation: 'delete' })).toThrow(/cannot update or delete/);
    expect(() => resolveElasticsearchSink({ ...BASE, node: 'localhost:9200' })).toThrow(/not an http or https URL/);
    expect(() => resolveElasticsearchSink({ ...BASE, node: ['http://a:9200', 'nope'] })).toThrow(/node 'nope' is not a URL/);
    expect(() => resolveElasticsearchSink({ ...BASE, index: 'x-{timestamp:yyyy.QQ}' })).toThrow(/date pattern/);
  });
});
