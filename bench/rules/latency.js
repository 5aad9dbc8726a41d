// Rules latency under load: one rules replica (real process) with 100 rules per tenant, a
// feed of readings for 10k devices on the telemetry topic at a fixed rate, every reading
// flipping `temperature < 50` so each one causes an alert transition. Latency = from the
// producer's acknowledgement of the reading to the alert's arrival at a consumer of the
// alerts topic (so it includes Kafka both ways, Redis state, DynamoDB alert records).
// Needs a stack (`eval "$(node tools/stack.js up --dir $D)"`). Prints figures; not a test.
// Usage: node bench/rules/latency.js [readingsPerSecond=1000] [seconds=30] [devices=10000] [flipEveryRounds=1]
// (flipEveryRounds=k: a device's temperature flips every k-th reading, so 1/k of readings cause a transition)
const path = require('node:path');
const { randomUUID, randomBytes } = require('node:crypto');
const root = path.join(__dirname, '..', '..');
const { Kafka, logLevel } = require('kafkajs');
const { ServiceProcess, waitFor } = require('@geopulse/testing');
const { signDevelopmentToken } = require('@geopulse/auth');
const { kafkaSettings } = require('@geopulse/config');
const { createKafkaClient, EventProducer } = require('@geopulse/kafka');
const { JsonLogger } = require('@geopulse/observability');
const { deviceRecordKey, EVENT_TYPES, eventSource, topicName } = require('@geopulse/contracts');

const RATE = Number(process.argv[2] ?? 1000);
const SECONDS = Number(process.argv[3] ?? 30);
const DEVICES = Number(process.argv[4] ?? 10_000);
const FLIP = Number(process.argv[5] ?? 1);
const RULES = 100;

async function main() {
  process.chdir(root);
  const prefix = `bench-rules-${randomUUID().slice(0, 6)}.`;
  const secret = randomBytes(24).toString('hex');
  const tenant = `bench-${randomUUID().slice(0, 6)}`;
  const token = await signDevelopmentToken(secret, { sub: 'bench', tenant });
  const service = await ServiceProcess.start({
    name: 'rules',
    env: { KAFKA_PARTITIONS: '6', KAFKA_TOPIC_PREFIX: prefix, DYNAMODB_TABLE_PREFIX: prefix, GEOPULSE_JWT_SECRET: secret, LOG_LEVEL: 'warn', OTEL_EXPORTER_OTLP_ENDPOINT: undefined },
  });
  const kafka = new Kafka({ clientId: 'bench-rules', brokers: process.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-${randomUUID()}`, maxWaitTimeInMs: 50 });
  try {
    await waitFor(async () => (await fetch(`${service.baseUrl}/readyz`)).ok, { timeoutMs: 60_000, description: 'rules ready' });
    for (let i = 0; i < RULES; i++) {
      const expression = i === 0 ? 'temperature < 50' : `temperature < ${-100 - i} && occupancy == true`;
      const res = await fetch(`${service.baseUrl}/v1/rules`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: `r${i}`, name: `r${i}`, expression }),
      });
      if (res.status !== 201) throw new Error(`rule r${i}: ${res.status} ${await res.text()}`);
    }
    const sentAt = new Map();
    const latencies = [];
    await consumer.connect();
    await consumer.subscribe({ topic: topicName('alerts', prefix), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const data = JSON.parse(message.value.toString());
        const id = data.triggeringReadings?.[0]?.id;
        if (sentAt.has(id)) latencies.push(Date.now() - sentAt.get(id));
      },
    });
    const settings = kafkaSettings({ ...process.env, KAFKA_TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '6' });
    const logger = new JsonLogger('bench-rules', 'error');
    const producer = new EventProducer(createKafkaClient(settings, 'bench-rules', logger.child('kafka')), settings, logger.child('producer'), 30_000);
    const started = Date.now();
    let sent = 0;
    const tick = 100;
    while (Date.now() - started < SECONDS * 1000) {
      const due = Math.floor(((Date.now() - started) / 1000) * RATE) - sent;
      if (due > 0) {
        const batch = [];
        for (let k = 0; k < due; k++) {
          const n = sent + k;
          const d = n % DEVICES;
          const round = Math.floor(n / DEVICES);
          const ts = new Date().toISOString();
          const reading = { tenantId: tenant, deviceId: `dev-${d}`, id: `r-${n}`, ts, receivedAt: ts, metrics: { temperature: Math.floor(round / FLIP) % 2 === 0 ? 40 : 60, occupancy: true } };
          batch.push({ key: deviceRecordKey(tenant, reading.deviceId), event: { specversion: '1.0', id: reading.id, source: eventSource('ingest'), type: EVENT_TYPES.reading, time: ts, subject: reading.deviceId, datacontenttype: 'application/json', data: reading } });
        }
        await producer.publish('telemetry', batch);
        const ackedAt = Date.now();
        for (const b of batch) sentAt.set(b.event.id, ackedAt);
        sent += due;
      }
      await new Promise((resolve) => setTimeout(resolve, tick));
    }
    const sendSeconds = (Date.now() - started) / 1000;
    const expected = Math.ceil(sent / DEVICES / FLIP) * Math.min(DEVICES, sent) * 0.99;
    await waitFor(async () => latencies.length >= expected || undefined, { timeoutMs: 120_000, description: 'alerts for the readings' }).catch(() => undefined);
    const drainedSeconds = (Date.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
    console.log(`rules latency: ${RULES} rules, ${DEVICES} devices, ${sent} readings at ${Math.round(sent / sendSeconds)}/s over ${sendSeconds.toFixed(1)} s (1 in ${FLIP} an alert transition); ${latencies.length} alerts by ${drainedSeconds.toFixed(1)} s`);
    console.log(`reading-to-alert latency ms: p50 ${q(0.5)}  p90 ${q(0.9)}  p99 ${q(0.99)}  max ${latencies[latencies.length - 1]}`);
    console.log(`evaluations: ${sent * RULES} in ${drainedSeconds.toFixed(1)} s = ${Math.round((sent * RULES) / drainedSeconds)} evals/s end to end (one replica)`);
    await producer.disconnect();
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await service.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
