// Integration tests of the harness itself, against the real servers its global setup starts
// (run `npx nx build testing` first: setup, teardown and the Node servers run from dist).
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'testing:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration-spec.ts'],
  globalSetup: '<rootDir>/../../libs/testing/dist/jest/global-setup.js',
  globalTeardown: '<rootDir>/../../libs/testing/dist/jest/global-teardown.js',
  testTimeout: 120000,
};
