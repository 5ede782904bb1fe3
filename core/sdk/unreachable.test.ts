import { unreachableIn } from './unreachable';

/** Errors shaped as Node, kafkajs and node-postgres throw them. */
function nodeError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

describe('unreachableIn', () => {
  it('names host:port of a refused Node connection (node-postgres throws it as it is)', () => {
    const error = nodeError('connect ECONNREFUSED 127.0.0.1:19098', { code: 'ECONNREFUSED', address: '127.0.0.1', port: 19098 });
    expect(unreachableIn(error)).toEqual({ address: '127.0.0.1:19098', unknownHost: false, message: error.message });
  });

  it("follows cause and kafkajs' originalError to the broker of a KafkaJSConnectionError", () => {
    const connection = nodeError('Connection error: connect ECONNREFUSED 127.0.0.1:19092', { code: 'ECONNREFUSED', broker: 'localhost:19092' });
    const nonRetriable = nodeError('KafkaJSNonRetriableError', { originalError: connection });
    const mapped = new Error('kafka source cannot discover partitions: Connection error', { cause: nonRetriable });
    expect(unreachableIn(mapped)).toEqual({ address: 'localhost:19092', unknownHost: false, message: mapped.message });
  });

  it('tells a host that does not resolve (ENOTFOUND, EAI_AGAIN)', () => {
    expect(unreachableIn(nodeError('getaddrinfo ENOTFOUND no-such-host.invalid', { code: 'ENOTFOUND', hostname: 'no-such-host.invalid' })))
      .toMatchObject({ address: 'no-such-host.invalid', unknownHost: true });
    expect(unreachableIn(nodeError('getaddrinfo EAI_AGAIN db.example', { code: 'EAI_AGAIN' }))).toMatchObject({ address: 'db.example', unknownHost: true });
  });

  it('is undefined for other failures, lost connections included', () => {
    expect(unreachableIn(new Error('boom'))).toBeUndefined();
    expect(unreachableIn(nodeError('read ECONNRESET', { code: 'ECONNRESET' }))).toBeUndefined();
    expect(unreachableIn(nodeError('duplicate key', { code: '23505' }))).toBeUndefined();
    expect(unreachableIn(undefined)).toBeUndefined();
  });

  it('survives a cause cycle', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    a.cause = new Error('b', { cause: a });
    expect(unreachableIn(a)).toBeUndefined();
  });
});
