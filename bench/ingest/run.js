#!/usr/bin/env node
// Ingest benchmark: readings/s and latency for HTTP batches and for the MQTT bridge, next to
// Kafka's own ProducerPerformance (acks=all, idempotent, same record size) on the same broker
// in the same run. Prints figures; not a test.
//
//   npx nx build ingest testing && node bench/ingest/run.js [--http-batches 200] [--mqtt-messages 5000]
//
// Uses the stack of GEOPULSE_STACK_DIR when set (eval "$(node tools/stack.js up --dir D)"),
// otherwise starts a private one (Kafka, Redis, DynamoDB Local, Mosquitto) and stops it after.
'use strict';
const { execFileSync } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const os = require('node:os');
const fs = require('node:fs');
const path = require('node:path');
const { signDevelopmentToken } = require('@geopulse/auth');
const { topicName, deviceRecordKey } = require('@geopulse/contracts');
const { ServiceProcess, loadStack, startStack, waitFor } = require('@geopulse/testing');
const { kafkaLibDir } = require('@geopulse/testing/dist/infra/infra-cache');
const { Kafka, logLevel } = require('kafkajs');
const mqtt = require('mqtt');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const HTTP_BATCH = arg('batch', 500);
const HTTP_CONCURRENCY = arg('concurrency', 8);
const HTTP_BATCHES = arg('http-batches', 200);
const MQTT_MESSAGES = arg('mqtt-messages', 5000);
const MQTT_PUBLISHERS = arg('mqtt-publishers', 8);
const DEVICES = 50;

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function topicCount(admin, topic) {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
}

function reading(deviceId, i) {
  return { deviceId, id: `${deviceId}-${i}-${randomUUID().slice(0, 8)}`, ts: Date.now(), position: { lat: 52.37 + (i % 100) / 1e4, lon: 4.89, speed: 12.3 }, metrics: { temperature: 20 + (i % 10), occupancy: i % 2 === 0, mode: 'heat' } };
}

async function main() {
  let ownedStack;
  if (process.env.GEOPULSE_STACK_DIR && process.env.KAFKA_BROKERS) {
    Object.assign(process.env, loadStack(process.env.GEOPULSE_STACK_DIR).env);
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'geopulse-bench-'));
    ownedStack = await startStack({ dir, components: ['kafka', 'redis', 'dynamodb', 'mosquitto'] });
    Object.assign(process.env, ownedStack.env, { GEOPULSE_STACK_DIR: dir });
  }
  const prefix = `bench-${randomUUID().slice(0, 8)}-`;
  const secret = randomUUID() + randomUUID();
  const tenant = `bench-${randomUUID().slice(0, 8)}`;
  const token = await signDevelopmentToken(secret, { sub: 'bench', tenant });
  const ingest = await ServiceProcess.start({
    name: 'ingest',
    env: {
      GEOPULSE_JWT_SECRET: secret,
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_PARTITIONS: '6',
      LOG_LEVEL: 'warn',
      OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
      OTEL_TRACES_SAMPLER_ARG: '0',
      INGEST_RATE_PER_DEVICE: '1000000',
      INGEST_RATE_BURST: '1000000',
      MQTT_SHARE_GROUP: `bench-${randomUUID().slice(0, 8)}`,
    },
    // The broker's auth plugin asks the ingest on MQTT_AUTH_PORT about device keys (docs/decisions/0103).
    port: Number(process.env.MQTT_AUTH_PORT),
    startTimeoutMs: 60_000,
  });
  const kafka = new Kafka({ clientId: 'bench', brokers: process.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const telemetry = topicName('telemetry', prefix);
  try {
    await waitFor(async () => (await fetch(`${ingest.baseUrl}/readyz`)).ok || undefined, { timeoutMs: 60_000, description: 'ingest ready' });
    const api = (method, p, body, auth = token) =>
      fetch(`${ingest.baseUrl}${p}`, { method, headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });

    // Record size: one reading as it lands in Kafka.
    const sample = { ...reading('device-00', 1), ts: new Date().toISOString(), tenantId: tenant, receivedAt: new Date().toISOString() };
    const recordSize = Buffer.byteLength(JSON.stringify(sample));

    // Warm-up (JIT, producer connection, topic metadata).
    for (let i = 0; i < 5; i++) await api('POST', '/v1/telemetry', { readings: Array.from({ length: HTTP_BATCH }, (_, j) => reading(`device-${j % DEVICES}`, j)) });

    // --- HTTP: batches of 500, 8 concurrent clients, operator JWT (a gateway) ---
    const latencies = [];
    let next = 0;
    const httpStart = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: HTTP_CONCURRENCY }, async () => {
        while (next < HTTP_BATCHES) {
          const n = next++;
          const body = { readings: Array.from({ length: HTTP_BATCH }, (_, j) => reading(`device-${(n + j) % DEVICES}`, n * HTTP_BATCH + j)) };
          const t0 = process.hrtime.bigint();
          const res = await api('POST', '/v1/telemetry', body);
          await res.arrayBuffer();
          if (res.status !== 202) throw new Error(`HTTP ${res.status}`);
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      }),
    );
    const httpSeconds = Number(process.hrtime.bigint() - httpStart) / 1e9;
    latencies.sort((a, b) => a - b);
    const http = { readingsPerSecond: (HTTP_BATCHES * HTTP_BATCH) / httpSeconds, p50: pct(latencies, 50), p99: pct(latencies, 99) };

    // --- MQTT: one reading per message, QoS 1, MQTT_PUBLISHERS publishers ---
    const devices = [];
    for (let i = 0; i < MQTT_PUBLISHERS; i++) {
      const res = await api('POST', '/v1/devices', { deviceId: `mqtt-${i}` });
      if (res.status !== 201) throw new Error(`device: ${res.status}`);
      devices.push({ id: `mqtt-${i}`, key: (await res.json()).key.key });
    }
    const before = await topicCount(admin, telemetry);
    const sentAt = new Map();
    const consumer = kafka.consumer({ groupId: `bench-${randomUUID()}`, maxWaitTimeInMs: 50 });
    const mqttLatencies = [];
    await consumer.connect();
    await consumer.subscribe({ topic: telemetry, fromBeginning: false });
    let consumerReady;
    const joined = new Promise((resolve) => (consumerReady = resolve));
    consumer.on(consumer.events.GROUP_JOIN, () => consumerReady());
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const started = sentAt.get(m.headers.ce_id?.toString());
          // Kafka CreateTime is set by ingest's producer when it sends: publish -> handed to Kafka.
          if (started !== undefined) mqttLatencies.push(Number(m.timestamp) - started);
        }
      },
    });
    await joined;
    await new Promise((r) => setTimeout(r, 2000));
    const publishers = await Promise.all(
      devices.map((d) => mqtt.connectAsync(process.env.MQTT_URL, { protocolVersion: 5, clientId: `bench-pub-${d.id}-${randomUUID().slice(0, 6)}`, username: `${tenant}:${d.id}`, password: d.key })),
    );
    let sent = 0;
    const mqttStart = Date.now();
    await Promise.all(
      publishers.map(async (client, p) => {
        const topic = `devices/${tenant}:${devices[p].id}/telemetry`;
        const inflight = [];
        for (let i = p; i < MQTT_MESSAGES; i += MQTT_PUBLISHERS) {
          const r = reading(devices[p].id, i);
          delete r.deviceId;
          sentAt.set(r.id, Date.now());
          inflight.push(client.publishAsync(topic, JSON.stringify(r), { qos: 1 }));
          sent++;
          if (inflight.length >= 50) await Promise.all(inflight.splice(0));
        }
        await Promise.all(inflight);
      }),
    );
    await waitFor(async () => ((await topicCount(admin, telemetry)) - before >= MQTT_MESSAGES ? true : undefined), { timeoutMs: 600_000, intervalMs: 100, description: 'MQTT readings in Kafka' });
    const mqttSeconds = (Date.now() - mqttStart) / 1000;
    await waitFor(async () => (mqttLatencies.length >= MQTT_MESSAGES ? true : undefined), { timeoutMs: 60_000, description: 'latencies consumed' }).catch(() => undefined);
    await consumer.disconnect();
    await Promise.all(publishers.map((c) => c.endAsync()));
    mqttLatencies.sort((a, b) => a - b);
    const mq = { readingsPerSecond: MQTT_MESSAGES / mqttSeconds, p50: pct(mqttLatencies, 50), p99: pct(mqttLatencies, 99) };

    // --- Kafka's own producer, same broker, same record size, acks=all, idempotent ---
    const perfTopic = `${prefix}perf`;
    await admin.createTopics({ topics: [{ topic: perfTopic, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });
    const perfRecords = HTTP_BATCHES * HTTP_BATCH;
    const out = execFileSync(
      'java',
      ['-cp', `${kafkaLibDir()}/*`, 'org.apache.kafka.tools.ProducerPerformance', '--topic', perfTopic, '--num-records', String(perfRecords), '--record-size', String(recordSize), '--throughput', '-1', '--producer-props', `bootstrap.servers=${process.env.KAFKA_BROKERS}`, 'acks=all', 'enable.idempotence=true', 'linger.ms=5'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const summary = out.trim().split('\n').pop();
    const m = /([\d.]+) records\/sec .*?([\d.]+) ms avg latency.*?(\d+) ms 50th.*?(\d+) ms 99th/.exec(summary);
    const perf = m ? { readingsPerSecond: Number(m[1]), p50: Number(m[3]), p99: Number(m[4]) } : undefined;

    console.log(`\ningest bench on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), ${new Date().toISOString()}; record ${recordSize} bytes`);
    console.log('| path | readings/s | p50 ms | p99 ms | vs Kafka producer |');
    console.log('|---|---:|---:|---:|---:|');
    const row = (name, r, note) => console.log(`| ${name} | ${fmt(r.readingsPerSecond)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${note} |`);
    if (perf) row(`kafka ProducerPerformance (${fmt(perfRecords)} records, acks=all, idempotent)`, perf, '1.00');
    row(`HTTP batches of ${HTTP_BATCH}, concurrency ${HTTP_CONCURRENCY} (${HTTP_BATCHES} requests; latency per request)`, http, perf ? (http.readingsPerSecond / perf.readingsPerSecond).toFixed(2) : 'n/a');
    row(`MQTT QoS 1, ${MQTT_PUBLISHERS} publishers, 1 reading/message (${fmt(MQTT_MESSAGES)}; latency publish -> produced)`, mq, perf ? (mq.readingsPerSecond / perf.readingsPerSecond).toFixed(2) : 'n/a');
    if (!perf) console.log(`ProducerPerformance output not understood: ${summary}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
    await ingest.stop().catch(() => undefined);
    if (ownedStack) await ownedStack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
