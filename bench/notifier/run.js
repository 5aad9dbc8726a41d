#!/usr/bin/env node
// Notifier benchmark: deliveries/s (and latency from publish to arrival) to the SMTP sink and
// to a webhook sink, each next to a same-run baseline that sends the same messages straight
// to the same sink (pooled nodemailer / fetch, same concurrency) without the notifier.
// Prints figures; not a test.
//
//   npx nx run-many -t build -p notifier testing && node bench/notifier/run.js [--emails 1000] [--webhooks 3000]
//
// Uses the stack of GEOPULSE_STACK_DIR when set (eval "$(node tools/stack.js up --dir D)"),
// otherwise starts a private one (Kafka, Redis, DynamoDB Local, SMTP sink) and stops it after.
'use strict';
const { randomUUID, randomBytes } = require('node:crypto');
const http = require('node:http');
const os = require('node:os');
const fs = require('node:fs');
const path = require('node:path');
const nodemailer = require('nodemailer');
const { signDevelopmentToken } = require('@geopulse/auth');
const { kafkaSettings } = require('@geopulse/config');
const { EVENT_TYPES, deviceRecordKey, eventSource } = require('@geopulse/contracts');
const { createKafkaClient, EventProducer } = require('@geopulse/kafka');
const { JsonLogger } = require('@geopulse/observability');
const { ServiceProcess, SmtpSinkClient, loadStack, startStack, waitFor } = require('@geopulse/testing');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const EMAILS = arg('emails', 1000);
const WEBHOOKS = arg('webhooks', 3000);
const CONCURRENCY = arg('concurrency', 16);

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const summary = (label, count, ms, latencies) => {
  const sorted = [...latencies].sort((a, b) => a - b);
  const rate = count / (ms / 1000);
  console.log(`${label.padEnd(34)} ${fmt(count)} in ${fmt(ms)} ms = ${fmt(rate, 1)}/s` + (sorted.length ? `  (p50 ${fmt(pct(sorted, 50))} ms, p99 ${fmt(pct(sorted, 99))} ms)` : ''));
  return rate;
};

async function pool(items, concurrency, work) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

function alertEvent(tenant, i) {
  const deviceId = `bench-dev-${i}`;
  const at = new Date().toISOString();
  const data = {
    tenantId: tenant, alertId: randomUUID(), ruleId: 'hot-office', ruleName: 'Hot office', ruleVersion: 1, deviceId, status: 'START', severity: 'CRITICAL', at,
    reason: 'temperature > 30', traceId: randomBytes(16).toString('hex'), triggeringReadings: [{ id: randomUUID(), ts: at, metrics: { temperature: 31.5 } }],
  };
  return { key: deviceRecordKey(tenant, deviceId), event: { specversion: '1.0', id: `${data.alertId}:START`, source: eventSource('rules'), type: EVENT_TYPES.alert, time: at, subject: deviceId, datacontenttype: 'application/json', data } };
}

async function main() {
  let ownedStack;
  if (process.env.GEOPULSE_STACK_DIR && process.env.KAFKA_BROKERS) {
    Object.assign(process.env, loadStack(process.env.GEOPULSE_STACK_DIR).env);
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'geopulse-bench-'));
    ownedStack = await startStack({ dir, components: ['kafka', 'redis', 'dynamodb', 'smtp'] });
    Object.assign(process.env, ownedStack.env, { GEOPULSE_STACK_DIR: dir });
  }
  const sink = new SmtpSinkClient();

  // The webhook sink: a plain HTTP server in this process, counting arrivals.
  const arrivals = new Map();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const bucket = arrivals.get(req.url) ?? [];
      bucket.push({ at: Date.now(), id: req.headers['ce-id'] });
      arrivals.set(req.url, bucket);
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const hookUrl = (p) => `http://127.0.0.1:${server.address().port}${p}`;

  const prefix = `bench-ntf-${randomUUID().slice(0, 6)}.`;
  const secret = randomBytes(24).toString('hex');
  const tenant = `bench-${randomUUID().slice(0, 8)}`;
  const token = await signDevelopmentToken(secret, { sub: 'bench', tenant });
  const notifier = await ServiceProcess.start({
    name: 'notifier',
    env: {
      GEOPULSE_JWT_SECRET: secret, KAFKA_TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '6', LOG_LEVEL: 'warn', OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
      NOTIFIER_WEBHOOK_ALLOW: '127.0.0.1', NOTIFIER_WORKER_CONCURRENCY: String(CONCURRENCY), SMTP_POOL_MAX_CONNECTIONS: '5', NOTIFIER_POLL_INTERVAL_MS: '50',
    },
    startTimeoutMs: 60_000,
  });
  await waitFor(async () => (await fetch(`${notifier.baseUrl}/readyz`)).ok || undefined, { timeoutMs: 60_000, description: 'notifier ready' });
  const settings = kafkaSettings({ ...process.env, KAFKA_TOPIC_PREFIX: prefix });
  const logger = new JsonLogger('bench', 'error');
  const producer = new EventProducer(createKafkaClient(settings, 'bench', logger.child('kafka')), settings, logger.child('producer'), 30_000);
  const subscribe = async (body) => {
    const res = await fetch(`${notifier.baseUrl}/v1/subscriptions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== 201) throw new Error(`subscribe: ${res.status} ${await res.text()}`);
    return (await res.json()).id;
  };
  const publishAll = async (events) => {
    const sentAt = new Map();
    for (let i = 0; i < events.length; i += 500) {
      const chunk = events.slice(i, i + 500);
      const now = Date.now();
      for (const e of chunk) sentAt.set(e.event.id, now);
      await producer.publish('alerts', chunk);
    }
    return sentAt;
  };

  console.log(`notifier bench: ${os.cpus().length} CPUs (${os.cpus()[0].model}), load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; worker concurrency ${CONCURRENCY}, 5 SMTP connections`);
  const results = {};

  // 1. Email, baseline: pooled nodemailer straight to the sink.
  await sink.clear();
  const direct = nodemailer.createTransport({ url: process.env.SMTP_URL, pool: true, maxConnections: 5 });
  const baseTo = `baseline-${randomUUID().slice(0, 6)}@bench.test`;
  let started = Date.now();
  const directLat = [];
  await pool(Array.from({ length: EMAILS }, (_, i) => i), CONCURRENCY, async (i) => {
    const t = Date.now();
    await direct.sendMail({ from: 'bench@bench.test', to: baseTo, subject: `baseline ${i}`, text: 'x'.repeat(600), html: `<p>${'x'.repeat(1200)}</p>` });
    directLat.push(Date.now() - t);
  });
  results.emailBaseline = summary('email, nodemailer direct (baseline)', EMAILS, Date.now() - started, directLat);
  direct.close();

  // 2. Email through the notifier: Kafka -> queue -> SMTP.
  await sink.clear();
  const mailTo = `ops-${randomUUID().slice(0, 6)}@bench.test`;
  await subscribe({ name: 'bench mail', filter: { types: ['alert.start'] }, channel: { type: 'email', to: [mailTo] } });
  started = Date.now();
  const mailSent = await publishAll(Array.from({ length: EMAILS }, (_, i) => alertEvent(tenant, i)));
  const mails = await waitFor(async () => {
    const got = await sink.messages({ to: mailTo });
    return got.length >= EMAILS ? got : undefined;
  }, { timeoutMs: 600_000, intervalMs: 500, description: `${EMAILS} emails` });
  const mailLat = mails.map((m) => Date.parse(m.receivedAt) - (mailSent.get(m.headers['x-geopulse-event-id']) ?? NaN)).filter(Number.isFinite);
  const mailEnd = Math.max(...mails.map((m) => Date.parse(m.receivedAt)));
  results.email = summary('email, through the notifier', EMAILS, mailEnd - started, mailLat);

  // 3. Webhook, baseline: fetch straight to the sink, same concurrency.
  started = Date.now();
  const fetchLat = [];
  const body = JSON.stringify(alertEvent(tenant, 0).event.data);
  await pool(Array.from({ length: WEBHOOKS }, (_, i) => i), CONCURRENCY, async () => {
    const t = Date.now();
    const res = await fetch(hookUrl('/baseline'), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await res.arrayBuffer();
    fetchLat.push(Date.now() - t);
  });
  results.webhookBaseline = summary('webhook, fetch direct (baseline)', WEBHOOKS, Date.now() - started, fetchLat);

  // 4. Webhook through the notifier (binary mode, signed), on STOP events so the email subscription stays quiet.
  const hookPath = '/hook';
  const offset = EMAILS;
  await subscribe({ name: 'bench hook', filter: { types: ['alert.stop'] }, channel: { type: 'webhook', url: hookUrl(hookPath), secret: 'bench-secret-0123456789', mode: 'binary' } });
  started = Date.now();
  const hookSent = await publishAll(Array.from({ length: WEBHOOKS }, (_, i) => {
    const e = alertEvent(tenant, offset + i);
    e.event.data.status = 'STOP';
    e.event.id = `${e.event.data.alertId}:STOP`;
    return e;
  }));
  await waitFor(() => ((arrivals.get(hookPath) ?? []).length >= WEBHOOKS) || undefined, { timeoutMs: 600_000, intervalMs: 200, description: `${WEBHOOKS} webhooks` });
  const hooks = arrivals.get(hookPath);
  const hookLat = hooks.map((h) => h.at - (hookSent.get(h.id) ?? NaN)).filter(Number.isFinite);
  results.webhook = summary('webhook, through the notifier', WEBHOOKS, Math.max(...hooks.map((h) => h.at)) - started, hookLat);

  console.log(`ratios: email ${fmt(results.email / results.emailBaseline, 2)}, webhook ${fmt(results.webhook / results.webhookBaseline, 2)} of the direct baseline`);

  await producer.disconnect();
  await notifier.stop();
  server.close();
  if (ownedStack) await ownedStack.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
