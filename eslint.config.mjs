// Lint: typescript-eslint recommended, no `any`, and import boundaries: services may import
// libs but never each other (by path or by package name); libs never import services. The
// same rule holds on Nx's project graph, imports and package.json alike (tools/boundaries).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const SERVICE_PACKAGES = ['ingest', 'aggregator', 'rules', 'geo', 'notifier'].map((s) => `@geopulse/${s}-service`).flatMap((p) => [p, `${p}/*`]);

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/services/*', '../../services/**', ...SERVICE_PACKAGES], message: 'Services share only libs/ and Kafka topics.' }] }],
    },
  },
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/services/**', ...SERVICE_PACKAGES], message: 'libs must not depend on services.' }] }],
    },
  },
  {
    files: ['**/*.spec.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
