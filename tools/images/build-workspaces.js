// Used by the Dockerfile's build stage: compiles the libraries (all but the test harness) in
// dependency order, then the services, and copies what the runtime needs into `out/`: each
// workspace's package.json and dist/, the libraries under out/libs (shared by every image) and
// each service under out/services/<name>/, next to `service -> services/<name>` so that the
// image's command is the same for every service. One build serves all five images, so
// `npm run images` compiles each workspace once.
// Usage: node tools/images/build-workspaces.js [<service>...]   (none: all services)
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const allServices = fs.readdirSync(path.join(root, 'services'));
const services = process.argv.length > 2 ? process.argv.slice(2) : allServices;
const unknown = services.filter((service) => !allServices.includes(service));
if (unknown.length > 0) {
  console.error(`usage: build-workspaces.js [<service>...]; unknown ${unknown.join(', ')}, use ${allServices.join(', ')}`);
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
const workspaces = [...ordered, ...services.map((service) => `services/${service}`)];

const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
for (const dir of workspaces) {
  execFileSync(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
}

const out = path.join(root, 'out');
const copyWorkspace = (dir, target) => {
  fs.mkdirSync(target, { recursive: true });
  fs.copyFileSync(path.join(root, dir, 'package.json'), path.join(target, 'package.json'));
  fs.cpSync(path.join(root, dir, 'dist'), path.join(target, 'dist'), {
    recursive: true,
    filter: (src) => !src.endsWith('.map') && !src.endsWith('.d.ts') && !src.endsWith('.tsbuildinfo'),
  });
};
for (const dir of ordered) copyWorkspace(dir, path.join(out, dir));
for (const service of services) {
  const serviceOut = path.join(out, 'services', service);
  copyWorkspace(`services/${service}`, path.join(serviceOut, 'services', service));
  fs.symlinkSync(`services/${service}`, path.join(serviceOut, 'service'));
}
// The notifier serves the live map (decision 0503): built here and shipped where its default
// NOTIFIER_MAP_DIR looks, apps/live-map/dist beside services/.
if (services.includes('notifier')) {
  execFileSync(process.execPath, [tsc, '-p', path.join('apps', 'live-map', 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, [path.join('apps', 'live-map', 'copy-assets.js')], { cwd: root, stdio: 'inherit' });
  fs.cpSync(path.join(root, 'apps', 'live-map', 'dist'), path.join(out, 'services', 'notifier', 'apps', 'live-map', 'dist'), { recursive: true });
}
