import type { ProvisionedServices, ServiceName, ServiceProvider } from './service-provider';

/** Environment variables the external provider reads, per service. */
export const EXTERNAL_VARIABLES: Record<ServiceName, string> = {
  kafka: 'LOCKSTEP_KAFKA_BROKERS',
  kafka3: 'LOCKSTEP_KAFKA3_BROKERS',
  postgres: 'LOCKSTEP_POSTGRES_URL',
  elasticsearch: 'LOCKSTEP_ELASTICSEARCH_URL',
  kinesis: 'LOCKSTEP_KINESIS_ENDPOINT',
};

function required(name: ServiceName, env: NodeJS.ProcessEnv): string {
  const variable = EXTERNAL_VARIABLES[name];
  const value = env[variable];
  if (value === undefined || value.trim() === '') {
    throw new Error(
      `LOCKSTEP_TEST_SERVICES=external needs ${variable} for ${name} ` +
        `(or limit the run with LOCKSTEP_TEST_SERVICES_ONLY=${name === 'kafka' ? 'postgres' : 'kafka'},…)`,
    );
  }
  return value.trim();
}

/** Reads the services of `names` from the environment; throws naming the first missing variable. */
export function externalServices(names: readonly ServiceName[], env: NodeJS.ProcessEnv): ProvisionedServices {
  const services: Record<string, unknown> = { provider: 'external' };
  for (const name of names) {
    const value = required(name, env);
    switch (name) {
      case 'kafka':
      case 'kafka3':
        services[name] = { brokers: value.split(',').map((broker) => broker.trim()), version: 'external' };
        break;
      case 'postgres':
        services.postgres = { url: value, version: 'external' };
        break;
      case 'elasticsearch':
        services.elasticsearch = { url: value, version: 'external' };
        break;
      case 'kinesis':
        services.kinesis = {
          endpoint: value,
          region: env.LOCKSTEP_KINESIS_REGION ?? env.AWS_REGION ?? 'us-east-1',
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'lockstep',
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'lockstep',
          },
        };
        break;
    }
  }
  return services as unknown as ProvisionedServices;
}

/** Services the user runs: URLs from environment variables; nothing is started or stopped. */
export const externalProvider: ServiceProvider = {
  name: 'external',
  async prepare(names) {
    externalServices(names, process.env);
  },
  async start(names) {
    return { services: externalServices(names, process.env), pids: () => [], faults: () => undefined, stop: async () => {} };
  },
};
