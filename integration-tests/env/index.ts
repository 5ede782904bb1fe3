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
  return {
    provider: parsed.provider,
    get kafka(): KafkaService {
      return need('kafka', parsed.kafka);
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
