/** Connection facts for the real services the integration suites talk to, whatever provider started them. */
export interface KafkaService {
  /** `host:port` bootstrap list. */
  readonly brokers: string[];
  /** Broker version, e.g. `4.1.0`. */
  readonly version: string;
}

export interface PostgresService {
  /** `postgres://user@host:port/db` — a superuser on a cluster with `max_prepared_transactions > 0` and `wal_level=logical`. */
  readonly url: string;
  readonly version: string;
}

export interface ElasticsearchService {
  /** `http://host:port`, security off. */
  readonly url: string;
  readonly version: string;
}

export interface KinesisService {
  /** `http://host:port` (plain HTTP/1.1). */
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export type ProviderName = 'testcontainers' | 'local' | 'external';

export interface TestServices {
  readonly provider: ProviderName;
  /**
   * The Kafka broker under test: the `kafka` service (4.x), or the `kafka3` service (3.9) in a file of the
   * `integration-kafka3` jest project (which sets `LOCKSTEP_TEST_KAFKA_SERVICE=kafka3`).
   */
  readonly kafka: KafkaService;
  /** The older Kafka broker (3.9), whatever the project. */
  readonly kafka3: KafkaService;
  readonly postgres: PostgresService;
  readonly elasticsearch: ElasticsearchService;
  readonly kinesis: KinesisService;
}
