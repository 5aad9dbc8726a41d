// Aggregator benchmark: readings/s through the aggregator's Redis paths (latest state + geo
// index + last-seen, and event-time windows) with 10k and 100k devices, Redis memory per
// device, and the end-to-end service (Kafka -> Redis + DynamoDB Local -> commit) for 10k
// devices. Needs a stack (REDIS_URL, KAFKA_BROKERS, DYNAMODB_ENDPOINT): run.sh starts one.
// Prints figures; it is not a test.
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const root = path.join(__dirname, '..', '..');
const agg = (p) => require(path.join(root, 'services', 'aggregator', 'dist', p));
const { createRedisClient } = require('@geopulse/redis');
const { RedisDeviceStateStore } = agg('adapters/redis/device-state.store');
const { RedisWindowStore } = agg('adapters/redis/window.store');
const { ApplyReadings } = agg('application/apply-readings');
const { AggregateWindows } = agg('application/aggregate-windows');
const { DynamoHistoryStore } = agg('adapters/dynamo/history.store');
const { dynamoSettings } = require('@geopulse/config');
const { createDynamoClients } = require('@geopulse/dynamo');

const BATCH = 1000;
const PARTITIONS = 6;
const T0 = Date.now() - 3600_000;

function feed(devices, rounds, tenant) {
  // Round r: every device sends one reading at T0 + r s, in device order (in event-time order per partition).
  const batches = [];
  for (let r = 0; r < rounds; r++) {
    for (let d = 0; d < devices; d += BATCH) {
      const batch = [];
      for (let i = d; i < Math.min(devices, d + BATCH); i++) {
        batch.push({
          tenantId: tenant,
          deviceId: `dev-${i}`,
          id: `r-${i}-${r}`,
          // 5 s of event time per round, so windows (60 s) close during the run.
          ts: new Date(T0 + r * 5000 + (i % 1000)).toISOString(),
          receivedAt: new Date().toISOString(),
          position: { lat: 52.3 + ((i * 7919) % 10000) / 50000, lon: 4.8 + ((i * 104729) % 10000) / 50000 + r / 100000 },
          metrics: { temperature: 20 + (i % 10), speed: (i + r) % 90 },
        });
      }
      batches.push(batch);
    }
  }
  return batches;
}

async function usedMemory(redis) {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)[1]);
}

async function storePaths(redis, devices, rounds) {
  await redis.flushdb();
  const before = await usedMemory(redis);
  const clock = () => Date.now();
  const state = new ApplyReadings(new RedisDeviceStateStore(redis, 86_400_000), clock);
  const published = { n: 0 };
  const windows = new AggregateWindows(
    new RedisWindowStore(redis, 3 * 86_400_000),
    { publish: async (list) => void (published.n += list.length) },
    { saveAggregates: async () => undefined, loadWindows: async () => new Map() },
    { windowMs: 60_000, outOfOrdernessMs: 0, allowedLatenessMs: 60_000, deviceIdleMs: 30_000, silentHorizonMs: 86_400_000, archiveMs: 30 * 86_400_000 },
    clock,
  );
  const batches = feed(devices, rounds, `bench${devices}`);
  const total = batches.reduce((n, b) => n + b.length, 0);
  const offsets = new Array(PARTITIONS).fill(0);

  let started = process.hrtime.bigint();
  for (const batch of batches) await state.execute(batch);
  const stateSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const afterState = await usedMemory(redis);

  started = process.hrtime.bigint();
  for (const batch of batches) {
    const byPartition = new Map();
    for (const reading of batch) {
      const p = Number(reading.deviceId.slice(4)) % PARTITIONS;
      if (!byPartition.has(p)) byPartition.set(p, []);
      byPartition.get(p).push({ reading, offset: offsets[p]++, ref: null });
    }
    await Promise.all([...byPartition].map(([partition, records]) => windows.processBatch({ topic: 'bench', partition }, records)));
  }
  const windowSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const afterWindows = await usedMemory(redis);
  return {
    devices,
    readings: total,
    statePerSecond: Math.round(total / stateSeconds),
    windowsPerSecond: Math.round(total / windowSeconds),
    stateBytesPerDevice: Math.round((afterState - before) / devices),
    windowBytesPerDevice: Math.round((afterWindows - afterState) / devices),
    aggregatesEmitted: published.n,
  };
}

/** The DynamoDB Local side of the service: raw readings through BatchWriteItem (25 per request, 8 parallel). */
async function historyWrites(readings) {
  const settings = { ...dynamoSettings(process.env), tablePrefix: `bench-${Date.now()}-` };
  const { client, doc } = createDynamoClients(settings);
  const history = new DynamoHistoryStore(client, doc, settings, 86_400, 1000, 8);
  await history.ensureTables();
  const batches = feed(readings / 1000 > 0 ? 1000 : readings, readings / 1000, 'benchhist');
  const started = process.hrtime.bigint();
  for (const batch of batches) await history.saveReadings(batch);
  return { readings, perSecond: Math.round(readings / (Number(process.hrtime.bigint() - started) / 1e9)) };
}

function geoaddBaseline(url) {
  const u = new URL(url);
  const args = ['-h', u.hostname, '-p', u.port, '-n', '200000', '-r', '100000', '-c', '50', '-q'];
  const run = (extra) =>
    execFileSync('redis-benchmark', [...args, ...extra, 'GEOADD', 'bench:geo', '4.89', '52.37', 'member:__rand_int__'], { encoding: 'utf8' })
      .split('\r')
      .pop()
      .trim();
  return { noPipeline: run([]), pipeline16: run(['-P', '16']) };
}

async function main() {
  const redis = createRedisClient(process.env.REDIS_URL, 'bench');
  await redis.connect();
  const rows = [];
  rows.push(await storePaths(redis, 10_000, 20));
  rows.push(await storePaths(redis, 100_000, 2));
  await redis.flushdb();
  const geoadd = geoaddBaseline(process.env.REDIS_URL);
  const dynamoHistory = await historyWrites(20_000);
  const version = /redis_version:(\S+)/.exec(await redis.info('server'))[1];
  await redis.flushdb();
  redis.disconnect();
  console.log(JSON.stringify({ redis: version, cpus: require('node:os').cpus().length, node: process.version, rows, geoadd, dynamoHistory }, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
