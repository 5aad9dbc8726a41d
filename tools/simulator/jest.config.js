// Unit tests: the movement / metric model and the feed loop, no servers.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'simulator',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
