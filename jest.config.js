/** Two projects: fast unit tests beside the code, and integration suites against real services (one global setup). */
const transform = { '^.+\\.ts$': ['ts-jest', {}] };

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 120000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      roots: ['<rootDir>/core', '<rootDir>/connectors', '<rootDir>/cli', '<rootDir>/integration-tests/env'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['\\.int\\.test\\.ts$', '/node_modules/'],
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
