// Shared Jest settings: @swc/jest for speed (decorator metadata on, so Nest DI works in tests),
// and @geopulse/* mapped to library sources so unit tests need no build.
const path = require('node:path');

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@geopulse/([a-z-]+)$': path.join(__dirname, 'libs/$1/src/index.ts'),
  },
};
