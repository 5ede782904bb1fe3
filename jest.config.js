/**
 * Fast unit tests beside the code, integration suites against real services, and the Kafka suites again against the
 * older Kafka broker (one global setup for both integration projects).
 */
const transform = { '^.+\\.ts$': ['ts-jest', {}] };
// lockstep's package exports, for code that imports lockstep by name as a third party does (the plugin package in
// examples/custom-connector): the sources of what `exports` in package.json points to in a build.
const moduleNameMapper = {
  '^lockstep$': '<rootDir>/cli/api.ts',
  '^lockstep/sdk$': '<rootDir>/core/sdk/index.ts',
  '^lockstep/testing$': '<rootDir>/core/testing/index.ts',
};

const integration = {
  testEnvironment: 'node',
  transform,
  globalSetup: '<rootDir>/integration-tests/env/global-setup.ts',
  globalTeardown: '<rootDir>/integration-tests/env/global-teardown.ts',
};

/**
 * The Kafka suites a second time, against the older broker (the `kafka3` service, Kafka 3.9): every Kafka test file,
 * and one seed of the Kafka → Kafka crash trial (kafka3-project.ts). Both projects share one global setup, so one
 * supervisor starts both brokers. Left out when LOCKSTEP_TEST_SERVICES_ONLY narrows a run to services without kafka3.
 */
const kafka3Project = {
  ...integration,
  displayName: 'integration-kafka3',
  roots: ['<rootDir>/integration-tests'],
  testMatch: ['**/integration-tests/kafka/*.int.test.ts', '**/integration-tests/chaos/kafka-kafka-crash.int.test.ts'],
  setupFiles: ['<rootDir>/integration-tests/env/kafka3-project.ts'],
};
const servicesOnly = (process.env.LOCKSTEP_TEST_SERVICES_ONLY ?? '').trim();
const withKafka3 = servicesOnly === '' || servicesOnly.split(',').some((name) => name.trim() === 'kafka3');

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 120000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      roots: ['<rootDir>/core', '<rootDir>/connectors', '<rootDir>/cli', '<rootDir>/service', '<rootDir>/integration-tests/env', '<rootDir>/integration-tests/chaos/campaign', '<rootDir>/tools', '<rootDir>/bench'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['\\.int\\.test\\.ts$', '/node_modules/'],
      moduleNameMapper,
    },
    {
      ...integration,
      displayName: 'integration',
      roots: ['<rootDir>/integration-tests'],
      testMatch: ['**/*.int.test.ts'],
    },
    ...(withKafka3 ? [kafka3Project] : []),
  ],
};
