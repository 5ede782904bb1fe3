import type {
  ElasticsearchService,
  KafkaService,
  KinesisService,
  PostgresService,
  ProviderName,
  TestServices,
} from './test-services';

export type {
  ElasticsearchService,
  KafkaService,
  KinesisService,
  PostgresService,
  ProviderName,
  TestServices,
} from './test-services';

export { killService, restartService, startService, type ServiceRestart } from './service-control';

/** Environment variable through which jest's global setup hands the started services to the test files. */
export const SERVICES_ENV_VAR = 'LOCKSTEP_TEST_SERVICES_JSON';

/**
 * Environment variable naming the service `testServices().kafka` returns: `kafka` (default, the 4.x broker) or
 * `kafka3` (the 3.9 broker). The jest project `integration-kafka3` sets it for every file it runs.
 */
export const KAFKA_SERVICE_ENV_VAR = 'LOCKSTEP_TEST_KAFKA_SERVICE';

/** The service behind `testServices().kafka` in this test file ({@link KAFKA_SERVICE_ENV_VAR}). */
export function kafkaServiceUnderTest(env: NodeJS.ProcessEnv = process.env): 'kafka' | 'kafka3' {
  const wanted = env[KAFKA_SERVICE_ENV_VAR]?.trim();
  if (wanted === undefined || wanted === '' || wanted === 'kafka') return 'kafka';
  if (wanted === 'kafka3') return 'kafka3';
  throw new Error(`${KAFKA_SERVICE_ENV_VAR}='${wanted}' is not a Kafka service (expected kafka or kafka3)`);
}

type PartialServices = Partial<Omit<TestServices, 'provider'>> & { provider: ProviderName };

/**
 * The services of this test run, as started by the global setup (`integration-tests/env/global-setup.ts`).
 * A getter throws a clear error when its service was not provisioned, so a suite can never silently pass without it.
 */
export function testServices(): TestServices {
  const raw = process.env[SERVICES_ENV_VAR];
  if (raw === undefined || raw === '') {
    throw new Error(
      `${SERVICES_ENV_VAR} is not set: integration tests must run through jest's integration project ` +
        '(npm test or npm run test:integration), whose global setup starts the services',
    );
  }
  const parsed = JSON.parse(raw) as PartialServices;
  const need = <T>(name: keyof Omit<TestServices, 'provider'>, value: T | undefined): T => {
    if (value === undefined) {
      throw new Error(`the ${parsed.provider} provider did not provision ${name} for this run`);
    }
    return value;
  };
  const kafkaUnderTest = kafkaServiceUnderTest();
  return {
    provider: parsed.provider,
    get kafka(): KafkaService {
      return need(kafkaUnderTest, parsed[kafkaUnderTest]);
    },
    get kafka3(): KafkaService {
      return need('kafka3', parsed.kafka3);
    },
    get postgres(): PostgresService {
      return need('postgres', parsed.postgres);
    },
    get elasticsearch(): ElasticsearchService {
      return need('elasticsearch', parsed.elasticsearch);
    },
    get kinesis(): KinesisService {
      return need('kinesis', parsed.kinesis);
    },
  };
}
