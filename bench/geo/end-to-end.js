// The geo service end to end: 10k fences in its table, a backlog of positions of 100k devices
// on the telemetry topic, then one geo process (Kafka batches -> index -> Redis memberships ->
// transitions to Kafka -> commit). Prints positions/s from the service's own
// positions-evaluated metric, and the transitions it wrote. Needs a stack (Kafka, Redis,
// DynamoDB). BENCH_E2E_ROUNDS (default 2) rounds of every device.
const path = require('node:path');
const { randomUUID } = require('node:crypto');
const { kafkaSettings, dynamoSettings } = require('@geopulse/config');
const { EVENT_TYPES, deviceRecordKey, eventSource } = require('@geopulse/contracts');
const { createDynamoClients, ensureTable } = require('@geopulse/dynamo');
const { createKafkaClient, EventProducer, provisionTopics } = require('@geopulse/kafka');
const { JsonLogger } = require('@geopulse/observability');
const { ServiceProcess, waitFor } = require('@geopulse/testing');
const { makeFences, makeDevices, round, DEVICES } = require('./workload');
const geo = (p) => require(path.join(__dirname, '..', '..', 'services', 'geo', 'dist', p));
const { validateGeofence } = geo('domain/geofence');
const { DynamoGeofenceRepository, geofenceTable } = geo('adapters/dynamo/geofence.repository');

const ROUNDS = Number(process.env.BENCH_E2E_ROUNDS ?? 2);
const TENANT = 'bench';

async function metricSum(baseUrl, name) {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

async function main() {
  const prefix = `geo-bench-${randomUUID().slice(0, 6)}.`;
  const env = { ...process.env, KAFKA_TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '6', DYNAMODB_TABLE_PREFIX: prefix };
  const logger = new JsonLogger('geo-bench', 'error');

  // Fences straight into the table: the service loads it at start.
  const dynamo = createDynamoClients(dynamoSettings(env));
  await ensureTable(dynamo.client, geofenceTable(prefix));
  const repository = new DynamoGeofenceRepository(dynamo.doc, prefix);
  const raw = makeFences();
  let started = Date.now();
  for (let i = 0; i < raw.length; i += 50) {
    await Promise.all(
      raw.slice(i, i + 50).map((f) => {
        const check = validateGeofence(f, { newId: () => 'x' });
        return repository.put({ ...check.input, tenantId: TENANT, version: 1, createdAt: '', updatedAt: '' });
      }),
    );
  }
  console.log(`${raw.length.toLocaleString()} fences written to DynamoDB Local in ${Date.now() - started} ms`);

  const settings = kafkaSettings(env);
  const kafka = createKafkaClient(settings, 'geo-bench', logger.child('kafka'));
  await provisionTopics(kafka, settings);
  const producer = new EventProducer(kafka, settings, logger.child('producer'), 60_000);
  const devices = makeDevices(raw);
  started = Date.now();
  for (let r = 0; r < ROUNDS; r++) {
    const positions = round(devices, r);
    for (let i = 0; i < positions.length; i += 1000) {
      await producer.publish(
        'telemetry',
        positions.slice(i, i + 1000).map((p) => {
          const data = { tenantId: TENANT, deviceId: p.deviceId, id: p.id, ts: new Date(p.ts).toISOString(), receivedAt: new Date().toISOString(), position: p.position };
          return { key: deviceRecordKey(TENANT, p.deviceId), event: { specversion: '1.0', id: p.id, source: eventSource('ingest'), type: EVENT_TYPES.reading, time: data.receivedAt, subject: p.deviceId, datacontenttype: 'application/json', data } };
        }),
      );
    }
  }
  await producer.disconnect();
  const total = DEVICES * ROUNDS;
  console.log(`${total.toLocaleString()} positions on the telemetry topic in ${Date.now() - started} ms`);

  started = Date.now();
  const service = await ServiceProcess.start({
    name: 'geo',
    env: { KAFKA_TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '6', DYNAMODB_TABLE_PREFIX: prefix, GEOPULSE_JWT_SECRET: randomUUID() + randomUUID(), LOG_LEVEL: 'warn', OTEL_TRACES_SAMPLER_ARG: '0' },
  });
  try {
    const first = await waitFor(async () => {
      const n = await metricSum(service.baseUrl, 'geopulse_geo_positions_evaluated_total');
      return n > 0 ? { n, at: Date.now() } : undefined;
    }, { timeoutMs: 180_000, intervalMs: 50, description: 'first batch evaluated' });
    console.log(`service started, ${raw.length.toLocaleString()} fences loaded and first batch evaluated after ${first.at - started} ms`);
    const last = await waitFor(async () => {
      const n = await metricSum(service.baseUrl, 'geopulse_geo_positions_evaluated_total');
      return n >= total ? { n, at: Date.now() } : undefined;
    }, { timeoutMs: 1_800_000, intervalMs: 200, description: `${total} positions evaluated` });
    const transitions = await metricSum(service.baseUrl, 'geopulse_geo_transitions_total');
    console.log(`end to end (one replica, 6 partitions, tracing sampled at 0): ${Math.round((last.n - first.n) / ((last.at - first.at) / 1000)).toLocaleString()} positions/s; ${transitions.toLocaleString()} transitions published`);
  } finally {
    await service.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
