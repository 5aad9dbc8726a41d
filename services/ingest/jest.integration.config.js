// Integration tests of ingest: the built service as a real process against real Kafka,
// Redis, DynamoDB Local and Mosquitto started by the shared harness.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'ingest:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration-spec.ts'],
  globalSetup: '<rootDir>/../../libs/testing/dist/jest/global-setup.js',
  globalTeardown: '<rootDir>/../../libs/testing/dist/jest/global-teardown.js',
  testTimeout: 120000,
};
