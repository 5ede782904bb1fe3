import { applyConfigSchema, configSchemaCheck, testPluginContext, validatedConfig } from '../../../core/testing';
import { DEFAULT_KAFKA_READER_TUNING, KafkaSource } from './kafka-source';
import { kafkaSourcePlugin } from './kafka-source-plugin';

describe('kafka source config', () => {
  const check = configSchemaCheck(kafkaSourcePlugin.configSchema);
  const base = { id: 'in', type: 'kafka', brokers: ['localhost:9092'] };

  it('is the plugin for type kafka sources', () => {
    expect(kafkaSourcePlugin).toMatchObject({ kind: 'source', type: 'kafka', configSchema: 'kafka/source.schema.json' });
  });

  it('accepts the documented options', () => {
    expect(
      check({
        ...base,
        parallelism: 3,
        clientId: 'orders-reader',
        topics: ['orders', 'payments.v2'],
        topicPattern: 'audit-.*',
        startFrom: { offsets: { orders: { '0': 10, '2': 0 } } },
        isolationLevel: 'read_uncommitted',
        bounded: 'latest',
        keyFormat: 'bytes',
        valueFormat: 'json',
        partitionDiscoveryInterval: '30s',
        commitOffsetsToGroup: 'orders-lag',
        ssl: { ca: '-----BEGIN CERTIFICATE-----', rejectUnauthorized: true },
        sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
        connectionTimeout: '3s',
        requestTimeout: 10_000,
      }),
    ).toEqual([]);
    expect(check({ ...base, topicPattern: 'orders-.*', startFrom: 'latest', partitionDiscoveryInterval: 'off', ssl: true })).toEqual([]);
    expect(check({ ...base, topics: ['t'], startFrom: { timestamp: 1_700_000_000_000 }, bounded: false })).toEqual([]);
  });

  it.each([
    ['no topics and no pattern', base],
    ['no brokers', { id: 'in', type: 'kafka', topics: ['t'] }],
    ['a broker without port', { ...base, brokers: ['localhost'], topics: ['t'] }],
    ['a broker port above 65535', { ...base, brokers: ['localhost:99999'], topics: ['t'] }],
    ['a broker port 0', { ...base, brokers: ['localhost:0'], topics: ['t'] }],
    ['an empty topic list', { ...base, topics: [] }],
    ['an invalid regular expression', { ...base, topicPattern: '(' }],
    ['an unknown startFrom', { ...base, topics: ['t'], startFrom: 'middle' }],
    ['a negative start offset', { ...base, topics: ['t'], startFrom: { offsets: { t: { '0': -1 } } } }],
    ['a partition that is not a number', { ...base, topics: ['t'], startFrom: { offsets: { t: { first: 1 } } } }],
    ['bounded: true', { ...base, topics: ['t'], bounded: true }],
    ['an unknown format', { ...base, topics: ['t'], valueFormat: 'avro' }],
    ['an unknown option', { ...base, topics: ['t'], groupId: 'g' }],
    ['a sasl without password', { ...base, topics: ['t'], sasl: { mechanism: 'plain', username: 'u' } }],
    ['a bad duration', { ...base, topics: ['t'], partitionDiscoveryInterval: 'often' }],
  ])('refuses %s', (_name, config) => {
    expect(check(config)).not.toEqual([]);
  });

  it('fills in defaults, durations in ms', () => {
    const config: Record<string, unknown> = { ...base, topics: ['t'], requestTimeout: '2s' };
    expect(applyConfigSchema(kafkaSourcePlugin.configSchema, config)).toBe(true);
    expect(config).toMatchObject({
      startFrom: 'earliest',
      isolationLevel: 'read_committed',
      bounded: false,
      keyFormat: 'bytes',
      valueFormat: 'bytes',
      partitionDiscoveryInterval: 10_000,
      requestTimeout: 2_000,
    });
  });

  it('declares replayable, bounded only for bounded: latest, and does no I/O when created', () => {
    const context = testPluginContext({ pipeline: 'p', componentId: 'in', baseDir: '.' });
    const unbounded = kafkaSourcePlugin.create(validatedConfig(kafkaSourcePlugin, { brokers: ['127.0.0.1:1'], topics: ['t'] }), context);
    expect(unbounded.guarantee).toBe('replayable');
    expect(unbounded.bounded).toBe(false);
    expect(kafkaSourcePlugin.create(validatedConfig(kafkaSourcePlugin, { brokers: ['127.0.0.1:1'], topics: ['t'], bounded: 'latest' }), context).bounded).toBe(true);
  });

  it('refuses a config without topics or with a broken pattern (configs built in code skip the schema)', () => {
    const context = { pipeline: 'p', componentId: 'in' };
    const valid = validatedConfig(kafkaSourcePlugin, { brokers: ['b:1'], topics: ['t'] });
    expect(() => new KafkaSource({ ...valid, topics: undefined }, context)).toThrow(expect.objectContaining({ code: 'LS_CONFIG_INVALID' }));
    expect(() => new KafkaSource({ ...valid, topics: undefined, topicPattern: '[' }, context)).toThrow(
      expect.objectContaining({ code: 'LS_CONFIG_INVALID' }),
    );
  });

  it('buffers a bounded amount per reader by default, with room for the next fetch while one response is handed out', () => {
    const { maxBufferedBytes, partitionMaxBytes, fetchMaxBytes } = DEFAULT_KAFKA_READER_TUNING;
    expect(maxBufferedBytes).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(maxBufferedBytes).toBeGreaterThanOrEqual(2 * partitionMaxBytes);
    expect(fetchMaxBytes).toBeGreaterThanOrEqual(partitionMaxBytes);
  });
});
