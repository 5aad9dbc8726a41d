// End to end: a backlog of readings on the telemetry topic, then one aggregator process
// (Kafka batches -> Redis state + windows -> commit, and, in its own consumer group,
// DynamoDB Local history -> commit). Prints readings/s of each group from the aggregator's
// own consumed-records metric. Needs a stack.
const { randomUUID } = require('node:crypto');
const { kafkaSettings } = require('@geopulse/config');
const { EVENT_TYPES, deviceRecordKey, eventSource } = require('@geopulse/contracts');
const { createKafkaClient, EventProducer } = require('@geopulse/kafka');
const { JsonLogger } = require('@geopulse/observability');
const { ServiceProcess, waitFor } = require('@geopulse/testing');

const DEVICES = Number(process.env.BENCH_DEVICES ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);

async function consumed(baseUrl, group) {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('geopulse_kafka_consumed_records_total') && l.includes(`group="${group}"`))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

/** Readings/s of one consumer group, from its first to its last record. */
async function rate(baseUrl, group, total) {
  const first = await waitFor(async () => {
    const n = await consumed(baseUrl, group);
    return n > 0 ? { n, at: Date.now() } : undefined;
  }, { timeoutMs: 120_000, intervalMs: 50, description: `first batch of ${group}` });
  const last = await waitFor(async () => {
    const n = await consumed(baseUrl, group);
    return n >= total ? { n, at: Date.now() } : undefined;
  }, { timeoutMs: 900_000, intervalMs: 200, description: `${total} readings consumed by ${group}` });
  return Math.round((last.n - first.n) / ((last.at - first.at) / 1000));
}

async function main() {
  const prefix = `bench-${randomUUID().slice(0, 6)}.`;
  const settings = kafkaSettings({ ...process.env, KAFKA_TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '6' });
  const logger = new JsonLogger('bench', 'error');
  const kafka = createKafkaClient(settings, 'bench', logger.child('kafka'));
  const { provisionTopics } = require('@geopulse/kafka');
  await provisionTopics(kafka, settings);
  const producer = new EventProducer(kafka, settings, logger.child('producer'), 60_000);
  const t0 = Date.now() - 3600_000;
  const total = DEVICES * ROUNDS;
  for (let r = 0; r < ROUNDS; r++) {
    for (let d = 0; d < DEVICES; d += 1000) {
      const events = [];
      for (let i = d; i < Math.min(DEVICES, d + 1000); i++) {
        const data = {
          tenantId: 'bench',
          deviceId: `dev-${i}`,
          id: `e2e-${i}-${r}`,
          ts: new Date(t0 + r * 1000 + (i % 1000)).toISOString(),
          receivedAt: new Date().toISOString(),
          position: { lat: 52.3 + (i % 1000) / 5000, lon: 4.8 + Math.floor(i / 1000) / 500 },
          metrics: { temperature: 20 + (i % 10) },
        };
        events.push({ key: deviceRecordKey('bench', data.deviceId), event: { specversion: '1.0', id: data.id, source: eventSource('ingest'), type: EVENT_TYPES.reading, time: data.receivedAt, subject: data.deviceId, datacontenttype: 'application/json', data } });
      }
      await producer.publish('telemetry', events);
    }
  }
  await producer.disconnect();

  const service = await ServiceProcess.start({
    name: 'aggregator',
    env: { KAFKA_TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '6', GEOPULSE_JWT_SECRET: randomUUID() + randomUUID(), LOG_LEVEL: 'warn', DYNAMODB_TABLE_PREFIX: prefix, OTEL_TRACES_SAMPLER_ARG: '0' },
  });
  try {
    const [live, history] = await Promise.all([rate(service.baseUrl, 'geopulse-aggregator', total), rate(service.baseUrl, 'geopulse-aggregator-history', total)]);
    console.log(JSON.stringify({ endToEnd: { devices: DEVICES, readings: total, readingsPerSecond: live, historyReadingsPerSecond: history, note: 'live group: Kafka -> Redis state+windows, commit; history group: Kafka -> DynamoDB Local, commit; tracing sampled at 0' } }, null, 2));
  } finally {
    await service.stop();
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
