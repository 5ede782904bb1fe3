import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  // The SDK seam (docs/design.md, "Module map"): connectors reach the engine only through core/sdk (and, in tests,
  // the conformance kit core/testing); the engine never imports a connector. cli/ is the composition root (built-in
  // registration, the CLI, the programmatic API): it imports core and connectors, and neither imports it.
  {
    files: ['connectors/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          {
            group: ['**/core/*', '**/core/*/**', '!**/core/sdk', '!**/core/testing'],
            message: 'connectors import the engine only through core/sdk (tests also core/testing)',
          },
          { group: ['**/cli', '**/cli/**'], message: 'connectors never import cli/ (the composition root imports them)' },
          { group: ['**/service', '**/service/**'], message: 'connectors never import service/ (lockstep serve)' },
        ],
      }],
    },
  },
  // The Kafka seam (connectors/kafka/internals/index.ts): the Kafka connector reaches kafkajs internals only through it.
  {
    files: ['connectors/kafka/**/*.ts'],
    ignores: ['connectors/kafka/internals/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          {
            group: ['**/core/*', '**/core/*/**', '!**/core/sdk', '!**/core/testing'],
            message: 'connectors import the engine only through core/sdk (tests also core/testing)',
          },
          { group: ['**/cli', '**/cli/**'], message: 'connectors never import cli/ (the composition root imports them)' },
          { group: ['**/service', '**/service/**'], message: 'connectors never import service/ (lockstep serve)' },
          { group: ['**/internals/*'], message: 'the Kafka connector uses kafkajs internals only through ../internals (the seam)' },
          { group: ['kafkajs/src', 'kafkajs/src/**'], message: 'kafkajs internals are used only in connectors/kafka/internals' },
        ],
      }],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/connectors', '**/connectors/**'], message: 'core never imports connectors/' },
          { group: ['**/cli', '**/cli/**'], message: 'core never imports cli/ (the composition root imports core)' },
          { group: ['**/service', '**/service/**'], message: 'core never imports service/ (lockstep serve, built on core and cli)' },
        ],
      }],
    },
  },
  // The SDK (core/sdk + the role interfaces in core/api) stands on core/errors alone: a connector package that
  // imports it does not pull in the engine.
  {
    files: ['core/sdk/**/*.ts', 'core/api/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/connectors', '**/connectors/**', '**/cli', '**/cli/**'], message: 'the SDK imports no connector or cli/' },
          {
            group: ['**/runtime', '**/runtime/**', '**/checkpoint', '**/checkpoint/**', '**/config', '**/config/**', '**/testing', '**/testing/**'],
            message: 'the SDK (core/sdk, core/api) imports only core/api and core/errors, never the engine',
          },
        ],
      }],
    },
  },
  {
    files: ['**/*.test.ts', 'integration-tests/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
