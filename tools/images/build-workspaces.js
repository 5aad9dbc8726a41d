// Used by the Dockerfile's build stage: compiles the libraries (all but the test harness) in
// dependency order, then one service, and copies what the runtime needs into `out/`: each
// workspace's package.json and dist/, plus `service -> services/<name>` so that the image's
// command is the same for every service. Usage: node tools/images/build-workspaces.js <service>
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const service = process.argv[2];
const services = fs.readdirSync(path.join(root, 'services'));
if (!services.includes(service)) {
  console.error(`usage: build-workspaces.js <service>; one of ${services.join(', ')}`);
  process.exit(2);
}

const read = (dir) => JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
const libs = fs.readdirSync(path.join(root, 'libs')).filter((name) => name !== 'testing').map((name) => `libs/${name}`);
const byName = new Map(libs.map((dir) => [read(dir).name, dir]));
const ordered = [];
const visit = (dir) => {
  if (ordered.includes(dir)) return;
  for (const dep of Object.keys(read(dir).dependencies ?? {})) if (byName.has(dep)) visit(byName.get(dep));
  ordered.push(dir);
};
libs.forEach(visit);
const workspaces = [...ordered, `services/${service}`];

const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
for (const dir of workspaces) {
  execFileSync(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
}

const out = path.join(root, 'out');
for (const dir of workspaces) {
  fs.mkdirSync(path.join(out, dir), { recursive: true });
  fs.copyFileSync(path.join(root, dir, 'package.json'), path.join(out, dir, 'package.json'));
  fs.cpSync(path.join(root, dir, 'dist'), path.join(out, dir, 'dist'), {
    recursive: true,
    filter: (src) => !src.endsWith('.map') && !src.endsWith('.d.ts') && !src.endsWith('.tsbuildinfo'),
  });
}
fs.symlinkSync(`services/${service}`, path.join(out, 'service'));
