import { configSchemaCheck, testPluginContext, validatedConfig } from '../../../core/testing';
import { createKafkaSink, KafkaSink } from './kafka-sink';
import { parseTransactionalId, transactionalId } from './kafka-sink-config';
import { kafkaSinkPlugin } from './kafka-sink-plugin';
import { KafkaCommittableSerializer, KafkaWriterStateSerializer } from './kafka-sink-serializers';
import { checkTransactionTimeout } from './transaction-timeout';

const context = testPluginContext({ pipeline: 'orders', componentId: 'out', checkpoint: { intervalMs: 1000, timeoutMs: 60_000 } });
const base = validatedConfig(kafkaSinkPlugin, { id: 'out', brokers: ['localhost:9092'], topic: 'o' });

describe('KafkaSink', () => {
  it('is exactly-once by two-phase commit by default, with transactional ids <pipeline>-<sink>-<subtask>-<n>', () => {
    const sink = new KafkaSink(base, context);
    expect({ guarantee: sink.guarantee, mechanism: sink.mechanism, prefix: sink.transactionalIdPrefix }).toEqual({
      guarantee: 'exactly-once',
      mechanism: 'two-phase-commit',
      prefix: 'orders-out',
    });
    expect(sink.committableSerializer).toBeDefined();
    expect(transactionalId(sink.transactionalIdPrefix, 2, 17)).toBe('orders-out-2-17');
  });

  it('copies by default: keys and values auto, the record timestamp', () => {
    expect(base).toMatchObject({ keyFormat: 'auto', valueFormat: 'auto', timestamp: 'record' });
  });

  it('refuses object keys (a CDC source) only with keyFormat string or bytes and no keyField', () => {
    expect(new KafkaSink(base, context).refuseKeys('object')).toBeUndefined();
    expect(new KafkaSink({ ...base, keyFormat: 'json' }, context).refuseKeys('object')).toBeUndefined();
    expect(new KafkaSink({ ...base, keyFormat: 'string' }, context).refuseKeys('object')).toBe('keyFormat string cannot write object keys; use keyFormat auto (the default) or json');
    expect(createKafkaSink({ ...base, keyFormat: 'bytes', semantic: 'at-least-once' }, context).refuseKeys?.('object')).toMatch(/^keyFormat bytes/);
    expect(new KafkaSink({ ...base, keyFormat: 'string', keyField: 'id' }, context).refuseKeys('object')).toBeUndefined();
  });

  it('is at-least-once without committables when asked', () => {
    const sink = createKafkaSink({ ...base, semantic: 'at-least-once' }, context);
    expect({ guarantee: sink.guarantee, mechanism: sink.mechanism, committables: sink.committableSerializer }).toEqual({
      guarantee: 'at-least-once',
      mechanism: undefined,
      committables: undefined,
    });
  });

  it('refuses a transaction timeout the checkpoint timeout reaches, naming both', () => {
    expect(() => new KafkaSink({ ...base, transactionTimeout: 30_000 }, context)).toThrow(
      /transactionTimeout 30s must be longer than checkpoint.timeout 1m/,
    );
    expect(() => new KafkaSink({ ...base, transactionTimeout: 120_000 }, context)).not.toThrow();
  });

  it('needs a topic or a topic field', () => {
    expect(() => new KafkaSink({ ...base, topic: undefined }, context)).toThrow(/set topic, or topicField/);
  });
});

describe('checkTransactionTimeout', () => {
  it('warns when a checkpoint cycle comes within 80 % of the transaction timeout', () => {
    const warnings: string[] = [];
    const log = { warn: (_: unknown, message: string) => warnings.push(message) } as never;
    checkTransactionTimeout(100_000, { intervalMs: 30_000, timeoutMs: 60_000 }, log);
    expect(warnings).toEqual([expect.stringMatching(/comes close to the Kafka transaction timeout/)]);
    checkTransactionTimeout(900_000, { intervalMs: 30_000, timeoutMs: 60_000 }, log);
    expect(warnings).toHaveLength(1);
  });
});

describe('transactional ids', () => {
  it('parse back only for their own prefix', () => {
    expect(parseTransactionalId('p-out', 'p-out-3-12')).toEqual({ subtask: 3, n: 12 });
    expect(parseTransactionalId('p-out', 'p-out-x-3-12')).toBeUndefined();
    expect(parseTransactionalId('p', 'q-1-2')).toBeUndefined();
  });
});

describe('kafka sink serializers', () => {
  it('round-trip and refuse unknown versions and malformed data', () => {
    const committables = new KafkaCommittableSerializer();
    const handle = { transactionalId: 'p-0-1', producerId: '9007199254740993', producerEpoch: 3 };
    expect(committables.deserialize(1, JSON.parse(JSON.stringify(committables.serialize(handle))))).toEqual(handle);
    expect(() => committables.deserialize(2, {})).toThrow(expect.objectContaining({ code: 'LS_STATE_VERSION' }));
    expect(() => committables.deserialize(1, { ...handle, producerId: 'x' })).toThrow(/producerId/);
    const states = new KafkaWriterStateSerializer();
    const state = { subtask: 1, base: 4, size: 3, busy: [{ ...handle, transactionalId: 'p-1-5' }] };
    expect(states.deserialize(2, JSON.parse(JSON.stringify(states.serialize(state))))).toEqual(state);
    // a state written before pooling: a pool from its next transaction on, nothing busy
    expect(states.deserialize(1, { subtask: 1, nextTransaction: 4 })).toEqual({ subtask: 1, base: 4, size: 0, busy: [] });
    expect(() => states.deserialize(3, state)).toThrow(expect.objectContaining({ code: 'LS_STATE_VERSION' }));
    expect(() => states.deserialize(2, { ...state, busy: 'x' })).toThrow(expect.objectContaining({ code: 'LS_STATE_INVALID' }));
  });
});

describe('config-schemas/kafka/sink.schema.json', () => {
  const check = configSchemaCheck('kafka/sink.schema.json');
  it('accepts a full config and refuses one without topic or brokers', () => {
    expect(check({ ...base, semantic: 'exactly-once', transactionTimeout: '15m', valueFormat: 'json', keyField: 'id' })).toEqual([]);
    expect(check({ id: 'out', type: 'kafka', brokers: ['b:9092'] })).not.toEqual([]);
    expect(check({ id: 'out', type: 'kafka', topic: 'o' })).not.toEqual([]);
  });
});
