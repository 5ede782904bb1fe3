/** Two projects: fast unit tests beside the code, and integration suites against real services (one global setup). */
const transform = { '^.+\\.ts$': ['ts-jest', {}] };
// lockstep's package exports, for code that imports lockstep by name as a third party does (the plugin package in
// examples/custom-connector): the sources of what `exports` in package.json points to in a build.
const moduleNameMapper = {
  '^lockstep$': '<rootDir>/cli/api.ts',
  '^lockstep/sdk$': '<rootDir>/core/sdk/index.ts',
  '^lockstep/testing$': '<rootDir>/core/testing/index.ts',
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 120000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      roots: ['<rootDir>/core', '<rootDir>/connectors', '<rootDir>/cli', '<rootDir>/integration-tests/env', '<rootDir>/tools'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['\\.int\\.test\\.ts$', '/node_modules/'],
      moduleNameMapper,
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      roots: ['<rootDir>/integration-tests'],
      testMatch: ['**/*.int.test.ts'],
      globalSetup: '<rootDir>/integration-tests/env/global-setup.ts',
      globalTeardown: '<rootDir>/integration-tests/env/global-teardown.ts',
    },
  ],
};
