// Cross-service end-to-end tests: the built services as real processes against real
// Kafka, Redis, DynamoDB Local and Jaeger started by the shared harness.
module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'e2e',
  rootDir: __dirname,
  testMatch: ['<rootDir>/**/*.integration-spec.ts'],
  globalSetup: '<rootDir>/../libs/testing/dist/jest/global-setup.js',
  globalTeardown: '<rootDir>/../libs/testing/dist/jest/global-teardown.js',
  testTimeout: 180000,
};
