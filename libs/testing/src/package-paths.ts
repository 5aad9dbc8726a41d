import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * libs/testing itself. This file runs as dist/package-paths.js (built) or src/package-paths.ts
 * (under Jest with @swc/jest): both sit one level below the library root.
 */
export const testingLibRoot = path.resolve(__dirname, '..');

/** The monorepo root (libs/testing/../..). */
export const repoRoot = path.resolve(testingLibRoot, '..', '..');

/**
 * Absolute path of a compiled file of this library (the servers and the reaper always run from
 * dist, also when the harness itself is loaded from src by Jest).
 */
export function builtFile(relative: string): string {
  const file = path.join(testingLibRoot, 'dist', relative);
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: build the test harness first with \`npx nx build testing\`.`);
  }
  return file;
}
