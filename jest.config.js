/**
 * Two tiers in one run: `unit` (co-located *.spec.ts of pure code, milliseconds) and
 * `integration` (test/integration, against the real Kafka broker and PostgreSQL that
 * test/global-setup.ts starts once). Integration files run one at a time: they share one broker.
 */
const moduleNameMapper = { '^@ketenhub/(.*)$': '<rootDir>/libs/$1/src' };
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };

module.exports = {
  testTimeout: 120000,
  // One temp folder per run (TMPDIR), removed at its end: tests leave nothing behind in /tmp.
  globalSetup: '<rootDir>/test/scratch-setup.ts',
  globalTeardown: '<rootDir>/test/scratch-teardown.ts',
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/scripts', '<rootDir>/deploy'],
      testMatch: ['**/*.spec.ts'],
      moduleNameMapper,
      transform,
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/integration'],
      testMatch: ['**/*.spec.ts'],
      moduleNameMapper,
      transform,
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
  ],
};
