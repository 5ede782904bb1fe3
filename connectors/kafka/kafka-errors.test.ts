import { LockstepError } from '../../core/sdk';
import {
  classifyKafkaError,
  fetchFailureAction,
  fetchPartitionError,
  isTransientCoordinatorError,
  KAFKA_ERROR,
  mapKafkaSourceError,
  messageTooLarge,
  producerOutOfSequence,
} from './kafka-errors';

/** An error shaped like a kafkajs protocol error. */
function protocolError(type: string, code: number, retriable: boolean): Error {
  return Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type, code, retriable });
}

function named(name: string, retriable = true): Error {
  return Object.assign(new Error(name), { name, retriable });
}

describe('classifyKafkaError', () => {
  it.each([
    [protocolError('OFFSET_OUT_OF_RANGE', 1, false), 'offset-out-of-range'],
    [named('KafkaJSOffsetOutOfRange', false), 'offset-out-of-range'],
    [protocolError('INVALID_PRODUCER_EPOCH', 47, false), 'fenced'],
    [Object.assign(new Error('fenced'), { code: KAFKA_ERROR.PRODUCER_FENCED }), 'fenced'],
    [protocolError('INVALID_TXN_STATE', 48, false), 'transaction-lost'],
    [protocolError('TRANSACTIONAL_ID_NOT_FOUND', 105, false), 'transaction-lost'],
    [protocolError('MESSAGE_TOO_LARGE', 10, false), 'too-large'],
    [protocolError('RECORD_LIST_TOO_LARGE', 18, false), 'too-large'],
    // kafkajs' retrier wraps what it does not retry, keeping the protocol error as the cause
    [Object.assign(named('KafkaJSNonRetriableError', false), { cause: protocolError('MESSAGE_TOO_LARGE', 10, false) }), 'too-large'],
    [protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER', 45, false), 'sequence'],
    [Object.assign(named('KafkaJSNonRetriableError', false), { cause: protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER', 45, false) }), 'sequence'],
    [protocolError('UNKNOWN_PRODUCER_ID', 59, false), 'sequence'],
    [protocolError('TOPIC_AUTHORIZATION_FAILED', 29, false), 'auth'],
    [protocolError('NOT_LEADER_FOR_PARTITION', 6, true), 'leader-moved'],
    [protocolError('CONCURRENT_TRANSACTIONS', 51, true), 'coordinator-busy'],
    [named('KafkaJSConnectionClosedError'), 'connection'],
    [named('KafkaJSBrokerNotFound'), 'client-state'],
    [protocolError('UNKNOWN_SERVER_ERROR', -1, true), 'retriable'],
    [new Error('plain'), 'fatal'],
    [null, 'fatal'],
  ])('%s is %s', (error, expected) => {
    expect(classifyKafkaError(error)).toBe(expected);
  });
});

describe('what callers do with a class', () => {
  it('retries coordinator calls on busy coordinators and lost connections only', () => {
    expect(isTransientCoordinatorError(protocolError('NOT_COORDINATOR', 16, true))).toBe(true);
    expect(isTransientCoordinatorError(named('KafkaJSRequestTimeoutError'))).toBe(true);
    expect(isTransientCoordinatorError(named('KafkaJSBrokerNotFound'))).toBe(false);
    expect(isTransientCoordinatorError(protocolError('PRODUCER_FENCED', 90, false))).toBe(false);
  });

  it('refreshes and retries fetches after leader moves and lost connections, fails on auth', () => {
    expect(fetchFailureAction(protocolError('FENCED_LEADER_EPOCH', 74, true))).toBe('refresh-and-retry');
    expect(fetchFailureAction(named('KafkaJSNumberOfRetriesExceeded'))).toBe('refresh-and-retry');
    expect(fetchFailureAction(protocolError('SASL_AUTHENTICATION_FAILED', 58, true))).toBe('fail');
    expect(fetchFailureAction(protocolError('MESSAGE_TOO_LARGE', 10, false))).toBe('fail');
    expect(fetchFailureAction(protocolError('OFFSET_OUT_OF_RANGE', 1, false))).toBe('offset-out-of-range');
  });

  it('maps source errors to LockstepErrors with codes', () => {
    const auth = mapKafkaSourceError(protocolError('GROUP_AUTHORIZATION_FAILED', 30, true), 'fetch t/0');
    expect(auth).toMatchObject({ code: 'LS_KAFKA_AUTH', retriable: false });
    expect(auth.message).toBe('kafka source cannot fetch t/0: GROUP_AUTHORIZATION_FAILED');
    expect(mapKafkaSourceError(named('KafkaJSLockTimeout', false), 'fetch')).toMatchObject({ code: 'LS_KAFKA_CONNECTION', retriable: true });
    expect(mapKafkaSourceError(protocolError('MESSAGE_TOO_LARGE', 10, false), 'fetch')).toMatchObject({ code: 'LS_KAFKA_ERROR', retriable: false });
    const already = new LockstepError('x', { code: 'LS_KAFKA_OFFSET_OUT_OF_RANGE' });
    expect(mapKafkaSourceError(already, 'fetch')).toBe(already);
  });

  it('makes a too-large refusal a non-retriable error saying what was sent and what to change', () => {
    const wrapped = Object.assign(named('KafkaJSNonRetriableError', false), { cause: protocolError('RECORD_LIST_TOO_LARGE', 18, false) });
    const error = messageTooLarge(wrapped, 'a produce request of 1 record (record in/0@5) to out');
    expect(error).toMatchObject({ code: 'LS_KAFKA_MESSAGE_TOO_LARGE', retriable: false, cause: wrapped });
    expect(error.message).toMatch(/^kafka broker refused a produce request of 1 record \(record in\/0@5\) to out as too large \(RECORD_LIST_TOO_LARGE\); retrying cannot help: raise the topic's max.message.bytes/);
  });

  it('makes a sequence refusal a retriable error (a restart from the checkpoint with a new producer mends it)', () => {
    const wrapped = Object.assign(named('KafkaJSNonRetriableError', false), { cause: protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER', 45, false) });
    const error = producerOutOfSequence(wrapped, 'a produce request of 2 records to out');
    expect(error).toMatchObject({ code: 'LS_KAFKA_ERROR', retriable: true, cause: wrapped, context: { kafkaError: 'OUT_OF_ORDER_SEQUENCE_NUMBER' } });
    expect(error.message).toMatch(/^kafka broker refused a produce request of 2 records to out for its producer sequence numbers \(OUT_OF_ORDER_SEQUENCE_NUMBER\); .*restarting from the last checkpoint/);
  });

  it('shapes fetch partition error codes like kafkajs errors', () => {
    const error = fetchPartitionError(6, (type) => `failed: ${type}`, { topic: 't', partition: 2 });
    expect(error).toMatchObject({ message: 'failed: NOT_LEADER_FOR_PARTITION', type: 'NOT_LEADER_FOR_PARTITION', code: 6, retriable: true, topic: 't' });
    expect(fetchPartitionError(1, (type) => type, {})).toMatchObject({ type: 'OFFSET_OUT_OF_RANGE', retriable: false });
    expect(fetchPartitionError(999, (type) => type, {})).toMatchObject({ type: 'KAFKA_ERROR_999', retriable: false });
  });
});
