// Geo benchmark: index build time and positions/s evaluated with 10k fences and 100k devices,
// (1) the spatial index alone, (2) index + membership state machine in memory, (3) the
// service's use case with device state in Redis (REDIS_URL), and (4) Tile38's geofence
// detection on the same fences and positions when TILE38_SERVER points at a tile38-server
// binary. Prints figures; it is not a test. Usage: bash bench/geo/run.sh
const path = require('node:path');
const { spawn } = require('node:child_process');
const net = require('node:net');
const root = path.join(__dirname, '..', '..');
const geo = (p) => require(path.join(root, 'services', 'geo', 'dist', p));
const { validateGeofence } = geo('domain/geofence');
const { GeofenceIndex } = geo('domain/geofence-index');
const { applyReading, uncertaintyBand } = geo('domain/membership');

const { FENCES, DEVICES, ROUNDS, makeFences, makeDevices, round, T0 } = require('./workload');
const TENANT = 'bench';

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const rate = (n, elapsedMs) => Math.round((n / elapsedMs) * 1000).toLocaleString('en-US');

async function main() {
  console.log(`geo bench: ${FENCES.toLocaleString()} fences, ${DEVICES.toLocaleString()} devices, ${ROUNDS} rounds; node ${process.version}`);
  let t = process.hrtime.bigint();
  const raw = makeFences();
  const devices = makeDevices(raw);
  const rounds = Array.from({ length: ROUNDS }, (_, r) => round(devices, r));
  console.log(`generated in ${ms(t).toFixed(0)} ms; vertices: ${raw.reduce((n, f) => n + JSON.stringify(f.geometry).split('],[').length, 0).toLocaleString()}`);

  t = process.hrtime.bigint();
  const fences = raw.map((f, i) => {
    const check = validateGeofence(f, { newId: () => 'x' });
    if (!check.ok) throw new Error(`fence ${i}: ${JSON.stringify(check.issues)}`);
    return { ...check.input, tenantId: TENANT, version: 1, createdAt: '', updatedAt: '' };
  });
  console.log(`validation (rings, ranges, @turf/kinks self-intersection): ${ms(t).toFixed(0)} ms for ${FENCES.toLocaleString()} fences`);

  t = process.hrtime.bigint();
  const index = new GeofenceIndex();
  index.load(fences);
  console.log(`index build, bulk (start-up load): ${ms(t).toFixed(0)} ms`);
  t = process.hrtime.bigint();
  const incremental = new GeofenceIndex();
  for (const f of fences) incremental.upsert(f);
  const incMs = ms(t);
  console.log(`index build, one upsert at a time: ${incMs.toFixed(0)} ms (${((incMs * 1000) / FENCES).toFixed(1)} µs per fence change)`);

  // (0) floor, same run: rbush's own search of the same boxes, no exact check.
  const RBush = require('rbush');
  const floor = new RBush();
  floor.load(fences.map((f) => ({ ...index.shapeOf(TENANT, f.id).box })));
  let candidates = 0;
  t = process.hrtime.bigint();
  for (const positions of rounds) for (const { position: p } of positions) candidates += floor.search({ minX: p.lon, minY: p.lat, maxX: p.lon, maxY: p.lat }).length;
  const floorMs = ms(t);
  console.log(`(0) baseline, bare rbush bounding-box search: ${rate(DEVICES * ROUNDS, floorMs)} positions/s, ${((floorMs * 1000) / (DEVICES * ROUNDS)).toFixed(2)} µs each, ${(candidates / (DEVICES * ROUNDS)).toFixed(3)} candidate boxes per position`);

  // (1) index alone: which fences is each position inside of / near (with its accuracy band).
  let hits = 0;
  t = process.hrtime.bigint();
  for (const positions of rounds) for (const p of positions) hits += index.observe(TENANT, p.position, uncertaintyBand(p.position, 5)).length;
  let elapsed = ms(t);
  const total = DEVICES * ROUNDS;
  console.log(`(1) index lookups: ${rate(total, elapsed)} positions/s, ${((elapsed * 1000) / total).toFixed(2)} µs each, ${(hits / total).toFixed(3)} fences inside/near per position`);

  // (2) index + membership state machine, states in a Map.
  const states = new Map();
  let transitions = 0;
  t = process.hrtime.bigint();
  for (const positions of rounds) {
    for (const p of positions) {
      const result = applyReading(p.deviceId, states.get(p.deviceId), p, index.observe(TENANT, p.position, uncertaintyBand(p.position, 5)), (id) => index.get(TENANT, id), T0);
      if (result.applied) {
        states.set(p.deviceId, result.state);
        transitions += result.transitions.length;
      }
    }
  }
  elapsed = ms(t);
  const inMemory = (total / elapsed) * 1000;
  console.log(`(2) index + state machine (in memory): ${rate(total, elapsed)} positions/s; ${transitions.toLocaleString()} transitions`);

  // (3) the use case with device state in Redis, batches of 1,000 as from Kafka.
  let withRedis;
  if (process.env.REDIS_URL) withRedis = await redisPath(fences, rounds);

  // (4) Tile38.
  if (process.env.TILE38_SERVER) await tile38(raw, rounds, { inMemory, withRedis });
  else console.log(`(4) Tile38: not run (${'TILE38_SERVER not set; see run.sh'})`);
}

async function redisPath(fences, rounds) {
  const { createRedisClient } = require('@geopulse/redis');
  const { GeofenceCatalog } = geo('application/geofence-catalog');
  const { EvaluatePositions } = geo('application/evaluate-positions');
  const { RedisMembershipStore } = geo('adapters/redis/membership.store');
  const redis = createRedisClient(process.env.REDIS_URL, 'geo-bench');
  await redis.connect();
  const catalog = new GeofenceCatalog({ scanAll: async () => fences, get: async () => undefined }, () => Date.now());
  await catalog.load();
  let published = 0;
  const store = new RedisMembershipStore(redis, `bench-${Date.now()}.geopulse.telemetry.v1`);
  const evaluate = new EvaluatePositions(catalog, store, { publish: async (t) => void (published += t.length) }, 5, () => Date.now());
  const tenant = `bench-${Date.now()}`;
  for (const f of fences) f.tenantId = tenant;
  catalog.index.load(fences.map((f) => ({ ...f, tenantId: tenant })));
  const total = DEVICES * ROUNDS;
  const t = process.hrtime.bigint();
  for (const positions of rounds) {
    for (let i = 0; i < positions.length; i += 1000) {
      const batch = positions.slice(i, i + 1000).map((p) => ({
        partition: i % 6,
        reading: { tenantId: tenant, deviceId: p.deviceId, id: p.id, ts: new Date(p.ts).toISOString(), receivedAt: '', position: p.position },
      }));
      await evaluate.execute(batch);
    }
  }
  const elapsed = ms(t);
  console.log(`(3) use case with state in Redis (batches of 1,000): ${rate(total, elapsed)} positions/s; ${published.toLocaleString()} transitions`);
  redis.disconnect();
  return (total / elapsed) * 1000;
}

async function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function tile38(raw, rounds, ours) {
  const Redis = require('ioredis');
  const port = await freePort();
  const child = spawn(process.env.TILE38_SERVER, ['-p', String(port), '-d', require('node:fs').mkdtempSync('/tmp/tile38-'), '-q'], { stdio: 'ignore' });
  try {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 50, retryStrategy: () => 100 });
    for (let i = 0; ; i++) {
      try {
        await client.connect();
        await client.call('PING');
        break;
      } catch (err) {
        if (i > 50) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // One channel per fence: enter/exit detection on the `fleet` collection (as its geofence docs).
    let t = process.hrtime.bigint();
    const pipeline = client.pipeline();
    for (const f of raw) {
      const g = f.geometry;
      if (g.type === 'Circle') pipeline.call('SETCHAN', f.id, 'NEARBY', 'fleet', 'FENCE', 'DETECT', 'enter,exit', 'POINT', g.center[1], g.center[0], g.radiusMeters);
      else pipeline.call('SETCHAN', f.id, 'WITHIN', 'fleet', 'FENCE', 'DETECT', 'enter,exit', 'OBJECT', JSON.stringify(g));
    }
    await pipeline.exec();
    console.log(`(4) Tile38 ${process.env.TILE38_VERSION ?? ''}: ${raw.length.toLocaleString()} geofence channels created in ${ms(t).toFixed(0)} ms`);
    const total = DEVICES * ROUNDS;
    t = process.hrtime.bigint();
    for (const positions of rounds) {
      for (let i = 0; i < positions.length; i += 1000) {
        const p = client.pipeline();
        for (const x of positions.slice(i, i + 1000)) p.call('SET', 'fleet', x.deviceId, 'POINT', x.position.lat, x.position.lon);
        await p.exec();
      }
    }
    const elapsed = ms(t);
    const theirs = (total / elapsed) * 1000;
    console.log(`(4) Tile38 SET with geofence detection (pipelines of 1,000): ${rate(total, elapsed)} positions/s`);
    console.log(`ratio ours/Tile38: in memory ${(ours.inMemory / theirs).toFixed(2)}${ours.withRedis ? `, with Redis state ${(ours.withRedis / theirs).toFixed(2)}` : ''}`);
    client.disconnect();
  } finally {
    child.kill('SIGKILL');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
