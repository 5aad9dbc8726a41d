// Unit tests of the map's pure modules (SSE parsing, the fleet model); the page itself is
// tested in a real browser by test/live.integration-spec.ts.
const preset = require('../../jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'live-map',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  // The browser imports `./x.js`; the sources are `./x.ts`.
  moduleNameMapper: { ...preset.moduleNameMapper, '^(\\.{1,2}/.*)\\.js$': '$1' },
};
