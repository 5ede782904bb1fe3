import { LockstepError } from '../../core/sdk';
import { classifyKinesisError, isRetriableKinesisError, mapKinesisError } from './kinesis-errors';

function awsError(name: string, status = 400): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
}

describe('kinesis error mapping', () => {
  it.each([
    ['ProvisionedThroughputExceededException', 'throttled', 'LS_KINESIS_THROTTLED', true],
    ['LimitExceededException', 'throttled', 'LS_KINESIS_THROTTLED', true],
    ['ExpiredIteratorException', 'iterator-expired', 'LS_KINESIS_REQUEST_FAILED', true],
    ['ResourceNotFoundException', 'not-found', 'LS_KINESIS_STREAM_NOT_FOUND', false],
    ['ResourceInUseException', 'not-ready', 'LS_KINESIS_STREAM_NOT_READY', true],
    ['UnrecognizedClientException', 'access', 'LS_KINESIS_ACCESS_DENIED', false],
    ['InvalidArgumentException', 'invalid', 'LS_KINESIS_INVALID_REQUEST', false],
  ])('maps %s', (name, kind, code, retriable) => {
    const error = awsError(name);
    expect(classifyKinesisError(error)).toBe(kind);
    expect(isRetriableKinesisError(error)).toBe(retriable);
    const mapped = mapKinesisError(error, 'GetRecords on shardId-000000000000 of orders');
    expect(mapped).toBeInstanceOf(LockstepError);
    expect(mapped).toMatchObject({ code, cause: error });
    expect(mapped.message).toContain(`GetRecords on shardId-000000000000 of orders failed: ${name}`);
  });

  it('treats network errors and 5xx answers as transient, other errors as not retriable', () => {
    expect(classifyKinesisError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe('transient');
    expect(classifyKinesisError(awsError('SomethingNew', 503))).toBe('transient');
    expect(classifyKinesisError(awsError('SomethingNew', 400))).toBe('other');
    expect(isRetriableKinesisError(new Error('plain'))).toBe(false);
    expect(mapKinesisError(new Error('plain'), 'ListShards').code).toBe('LS_KINESIS_REQUEST_FAILED');
  });

  it('passes a LockstepError through', () => {
    const error = new LockstepError('x', { code: 'LS_KINESIS_THROTTLED' });
    expect(mapKinesisError(error, 'PutRecords')).toBe(error);
  });
});
