// Unit tests: domain logic next to the code, no servers.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'service-runtime',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
