// Integration tests of the Kafka library against a real broker started by the shared harness.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'notifier:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration-spec.ts'],
  globalSetup: '<rootDir>/../../libs/testing/dist/jest/global-setup.js',
  globalTeardown: '<rootDir>/../../libs/testing/dist/jest/global-teardown.js',
  testTimeout: 120000,
};
