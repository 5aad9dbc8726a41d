// Build step after tsc: the page, its styles and Leaflet's browser build (from npm) into dist/.
const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, 'dist');
const leaflet = path.dirname(require.resolve('leaflet/dist/leaflet.js'));
fs.mkdirSync(path.join(dist, 'vendor'), { recursive: true });
for (const file of ['index.html', 'styles.css']) fs.copyFileSync(path.join(__dirname, 'src', file), path.join(dist, file));
for (const file of ['leaflet.js', 'leaflet.css']) fs.copyFileSync(path.join(leaflet, file), path.join(dist, 'vendor', file));
