import type { BulkAction } from './bulk-action';
import { bulkItemOutcome } from './bulk-item-outcome';
import { chunkActions } from './bulk-sender';
import { unreachableIn } from '../../core/sdk';
import { classifyClientError, networkCause, toElasticsearchError } from './error-mapping';

function action(operation: BulkAction['operation'], externalVersion = false, bytes = 10): BulkAction {
  return { record: { value: {} }, operation, index: 'i', id: '1', externalVersion, body: '', bytes };
}

describe('bulkItemOutcome', () => {
  it('counts 2xx as applied, and a 409 as applied only for external versions and creates', () => {
    expect(bulkItemOutcome(action('index'), { index: { status: 201 } })).toEqual({ kind: 'applied' });
    expect(bulkItemOutcome(action('index', true), { index: { status: 409, error: { type: 'version_conflict_engine_exception' } } })).toEqual({ kind: 'conflict' });
    expect(bulkItemOutcome(action('create'), { create: { status: 409, error: { type: 'version_conflict_engine_exception' } } })).toEqual({ kind: 'conflict' });
    expect(bulkItemOutcome(action('index'), { index: { status: 409, error: { type: 'x', reason: 'y' } } })).toMatchObject({ kind: 'rejected', status: 409 });
  });

  it('takes a delete of a missing document as done, retries 429/5xx and rejects 400 with the server reason', () => {
    expect(bulkItemOutcome(action('delete'), { delete: { status: 404, result: 'not_found' } })).toEqual({ kind: 'missing' });
    expect(bulkItemOutcome(action('index'), { index: { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } } })).toMatchObject({ kind: 'retry' });
    expect(bulkItemOutcome(action('index'), { index: { status: 503 } })).toMatchObject({ kind: 'retry' });
    expect(
      bulkItemOutcome(action('index'), {
        index: { status: 400, error: { type: 'document_parsing_exception', reason: 'failed to parse field [n]', caused_by: { reason: 'For input string: "x"' } } },
      }),
    ).toEqual({ kind: 'rejected', status: 400, reason: 'document_parsing_exception: failed to parse field [n]: For input string: "x"' });
    expect(bulkItemOutcome(action('index'), { index: { status: 403, error: { type: 'security_exception', reason: 'no' } } })).toMatchObject({ kind: 'auth' });
    expect(bulkItemOutcome(action('index'), undefined)).toMatchObject({ kind: 'retry' });
  });
});

describe('chunkActions', () => {
  it('cuts requests at bulkActions and bulkBytes, an oversized action alone', () => {
    const actions = [action('index', false, 10), action('index', false, 10), action('index', false, 10), action('index', false, 50), action('index', false, 5)];
    expect(chunkActions(actions, 2, 100).map((chunk) => chunk.length)).toEqual([2, 2, 1]);
    expect(chunkActions(actions, 10, 25).map((chunk) => chunk.length)).toEqual([2, 1, 1, 1]);
    expect(chunkActions([], 10, 25)).toEqual([]);
  });
});

describe('error mapping', () => {
  it('maps client errors by status: no answer and 429/5xx retriable, 401/403 auth, 413 too large', () => {
    expect(classifyClientError(new Error('ECONNREFUSED'))).toBe('retry');
    expect(toElasticsearchError({ meta: { statusCode: 503, body: { error: { type: 'unavailable', reason: 'x' } } } }, 'a bulk')).toMatchObject({
      code: 'LS_ELASTICSEARCH_CONNECTION',
      retriable: true,
      message: 'elasticsearch: a bulk failed (HTTP 503): unavailable: x',
    });
    expect(toElasticsearchError({ meta: { statusCode: 401 } }, 'x')).toMatchObject({ code: 'LS_ELASTICSEARCH_AUTH', retriable: false });
    expect(toElasticsearchError({ meta: { statusCode: 413 } }, 'x')).toMatchObject({ code: 'LS_ELASTICSEARCH_REQUEST_TOO_LARGE' });
    expect(toElasticsearchError({ meta: { statusCode: 400 } }, 'x')).toMatchObject({ code: 'LS_ELASTICSEARCH_ERROR', retriable: false });
  });

  it("turns the client's connection errors into causes the engine recognises as an unreachable service", () => {
    const refused = toElasticsearchError({ name: 'ConnectionError', message: 'connect ECONNREFUSED 127.0.0.1:9200', meta: { statusCode: 0 } }, 'connecting');
    expect(unreachableIn(refused)).toMatchObject({ address: '127.0.0.1:9200', unknownHost: false });
    const unknown = toElasticsearchError({ name: 'ConnectionError', message: 'getaddrinfo ENOTFOUND es.invalid', meta: {} }, 'connecting');
    expect(unreachableIn(unknown)).toMatchObject({ address: 'es.invalid', unknownHost: true });
    expect(networkCause({ message: 'Request timed out' })).toBeUndefined();
    expect(networkCause({ message: 'connect ECONNREFUSED 1.2.3.4:1', meta: { statusCode: 503 } })).toBeUndefined();
  });
});
