// The geo benchmark's workload, shared by bench.js and end-to-end.js: fences and moving
// devices across the Netherlands, deterministic so runs compare.
const FENCES = Number(process.env.BENCH_FENCES ?? 10_000);
const DEVICES = Number(process.env.BENCH_DEVICES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BOX = { minLon: 3.4, maxLon: 7.1, minLat: 50.8, maxLat: 53.5 }; // the Netherlands, about 250 x 300 km
const M_LAT = 1 / 111_195;
const mLon = (lat) => M_LAT / Math.cos((lat * Math.PI) / 180);

// xorshift32: deterministic, so runs compare.
let seed = 0x9e3779b9;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
const between = (a, b) => a + random() * (b - a);

/** A star-shaped (often concave) simple ring around a centre. */
function star(lon, lat, radiusM, vertices, scale = 1) {
  const ring = [];
  for (let i = 0; i < vertices; i++) {
    const angle = (2 * Math.PI * i) / vertices;
    const r = radiusM * scale * between(0.55, 1);
    ring.push([lon + Math.cos(angle) * r * mLon(lat), lat + Math.sin(angle) * r * M_LAT]);
  }
  ring.push(ring[0]);
  return ring;
}

function makeFences() {
  const raw = [];
  for (let i = 0; i < FENCES; i++) {
    const lon = between(BOX.minLon, BOX.maxLon);
    const lat = between(BOX.minLat, BOX.maxLat);
    const radius = between(100, 2000);
    const kind = i % 10;
    let geometry;
    if (kind < 6) geometry = { type: 'Polygon', coordinates: [star(lon, lat, radius, 8 + Math.floor(random() * 40))] };
    else if (kind < 7) geometry = { type: 'Polygon', coordinates: [star(lon, lat, radius, 24), star(lon, lat, radius * 0.3, 8).reverse()] };
    else if (kind < 8) geometry = { type: 'MultiPolygon', coordinates: [[star(lon, lat, radius / 2, 12)], [star(lon + 3 * radius * mLon(lat), lat, radius / 2, 12)]] };
    else geometry = { type: 'Circle', center: [lon, lat], radiusMeters: radius };
    raw.push({ id: `f-${i}`, name: `fence ${i}`, geometry, ...(i % 3 === 0 ? { dwellSeconds: 300 } : {}) });
  }
  return raw;
}

function makeDevices(fences) {
  // Half roam anywhere, half start near a fence centre, so that a fair share is inside something.
  return Array.from({ length: DEVICES }, (_, i) => {
    if (i % 2 === 0) return { lon: between(BOX.minLon, BOX.maxLon), lat: between(BOX.minLat, BOX.maxLat) };
    const f = fences[Math.floor(random() * fences.length)].geometry;
    const [lon, lat] = f.type === 'Circle' ? f.center : f.type === 'Polygon' ? f.coordinates[0][0] : f.coordinates[0][0][0];
    return { lon: lon + between(-500, 500) * mLon(lat), lat: lat + between(-500, 500) * M_LAT };
  });
}

/** Positions of round r: every device moved up to 30 m, with a 3-25 m accuracy. */
function round(devices, r) {
  return devices.map((d, i) => {
    d.lon += between(-30, 30) * mLon(d.lat);
    d.lat += between(-30, 30) * M_LAT;
    return { deviceId: `d-${i}`, id: `r-${i}-${r}`, ts: T0 + r * 10_000 + (i % 1000), position: { lon: d.lon, lat: d.lat, accuracy: between(3, 25) } };
  });
}

const T0 = Date.now() - 3600_000;

module.exports = { FENCES, DEVICES, ROUNDS, makeFences, makeDevices, round, T0, random, between };
