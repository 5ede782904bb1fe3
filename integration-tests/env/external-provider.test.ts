import { externalServices } from './external-provider';

describe('externalServices', () => {
  it('reads every asked-for service from its variable', () => {
    const services = externalServices(['kafka', 'kinesis'], {
      LOCKSTEP_KAFKA_BROKERS: 'a:9092, b:9092',
      LOCKSTEP_KINESIS_ENDPOINT: 'http://127.0.0.1:4567',
      AWS_REGION: 'eu-west-1',
    });
    expect(services.kafka?.brokers).toEqual(['a:9092', 'b:9092']);
    expect(services.kinesis?.region).toBe('eu-west-1');
    expect(services.postgres).toBeUndefined();
  });

  it('names the missing variable', () => {
    expect(() => externalServices(['postgres'], {})).toThrow(/LOCKSTEP_POSTGRES_URL/);
  });
});
