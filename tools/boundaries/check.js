'use strict';
// `nx run boundaries:lint`: the workspace's project graph against tools/boundaries/boundaries.js.
const { execFileSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { violations } = require('./boundaries');

const dir = mkdtempSync(join(tmpdir(), 'geopulse-graph-'));
try {
  const file = join(dir, 'graph.json');
  execFileSync('npx', ['nx', 'graph', `--file=${file}`], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NX_DAEMON: 'false' } });
  const { graph } = JSON.parse(readFileSync(file, 'utf8'));
  const found = violations(graph);
  if (found.length > 0) {
    console.error(`module boundaries: ${found.length} violation(s)\n${found.map((v) => `  - ${v}`).join('\n')}`);
    process.exit(1);
  }
  console.log(`module boundaries: ${Object.keys(graph.nodes).length} projects, no violation`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
