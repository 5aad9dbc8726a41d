import { randomUUID } from 'node:crypto';
import { HTTP } from 'cloudevents';
import { consumerGroupName, EVENT_TYPES } from '@geopulse/contracts';
import { componentControl, JaegerClient, SmtpSinkClient, waitFor } from '@geopulse/testing';
import { SIGNATURE_HEADERS, verifyWebhookSignature } from '../src/domain/webhook-signature';
import { NotifierFixture, settle, TRACE_TEMPLATE, WebhookReceiver, type ReceivedHook } from './notifier-fixture';

// Short retry settings: delays 250, 500, 1000, 2000, 2000, 2000, 2000 ms (no jitter, so the growth is visible), 8 attempts
// (about 10 s in all, which also bounds how long an SMTP restart may take in the outage tests).
const fx = new NotifierFixture({
  NOTIFIER_RETRY_MAX_ATTEMPTS: '8',
  NOTIFIER_RETRY_BASE_MS: '250',
  NOTIFIER_RETRY_MAX_DELAY_MS: '2000',
  NOTIFIER_RETRY_FACTOR: '2',
  NOTIFIER_RETRY_JITTER: '0',
  // A killed replica's in-flight jobs come back after the lease: short here, so the restart test is quick.
  NOTIFIER_LEASE_SECONDS: '5',
  NOTIFIER_WEBHOOK_TIMEOUT_MS: '3000',
  SMTP_TIMEOUT_MS: '1000',
});
const receiver = new WebhookReceiver();
const smtp = new SmtpSinkClient();
const secret = 'receiver-shared-secret-1234';
const device = () => `dev-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  await receiver.start();
  await fx.start();
});

afterAll(async () => {
  await fx.stop();
  await receiver.stop();
});

// Each test's subscriptions listen to its own devices only, so tests sharing the tenant do not see each other's events.
const email = (to: string, deviceIds: string[], extra: object = {}) => ({
  name: `mail ${to}`, filter: { types: ['alert.start'], deviceIds }, channel: { type: 'email', to: [to] }, ...extra,
});
const webhook = (path: string, mode: 'binary' | 'structured', deviceIds: string[], extra: object = {}) => ({
  name: `hook ${path}`, filter: { types: ['alert.start', 'alert.stop'], deviceIds }, channel: { type: 'webhook', url: receiver.url(path), secret, mode }, ...extra,
});

function verified(hook: ReceivedHook): boolean {
  return verifyWebhookSignature(
    secret,
    { timestamp: hook.headers[SIGNATURE_HEADERS.timestamp] as string, signature: hook.headers[SIGNATURE_HEADERS.signature] as string },
    hook.body,
    Math.floor(Date.now() / 1000),
  );
}

const mailsTo = async (to: string) => smtp.messages({ to });

describe('notifier', () => {
  it('delivers an alert START as one email with subject, text and trace link, and one signed CloudEvents webhook in each mode, all in the alert\'s trace and counted in /metrics', async () => {
    const to = `ops-${randomUUID().slice(0, 6)}@example.com`;
    const binaryPath = `/ok-binary-${randomUUID().slice(0, 6)}`;
    const structuredPath = `/ok-structured-${randomUUID().slice(0, 6)}`;
    const dev = device();
    await fx.subscribe(email(to, [dev], { filter: { types: ['alert.start'], minSeverity: 'WARNING', deviceIds: [dev] } }));
    await fx.subscribe(webhook(binaryPath, 'binary', [dev]));
    await fx.subscribe(webhook(structuredPath, 'structured', [dev]));
    const traceId = 'f'.repeat(8) + randomUUID().replace(/-/g, '').slice(0, 24);
    // The alert record continues the reading's trace (as rules writes it); deliveries must join it.
    const eventId = await fx.alert(dev, { traceId }, undefined, `00-${traceId}-${'1'.repeat(16)}-01`);

    const [mail] = await waitFor(async () => ((await mailsTo(to)).length > 0 ? mailsTo(to) : undefined), { timeoutMs: 30_000, description: 'email' });
    expect(mail.subject).toBe(`[geopulse] Alert started (CRITICAL): Hot office (hot-office) on ${dev}`);
    expect(mail.text).toContain(`Device:   ${dev}`);
    expect(mail.text).toContain('temperature=31.5');
    expect(mail.text).toContain(TRACE_TEMPLATE.replace('{{traceId}}', traceId));
    expect(mail.html).toContain(`href="${TRACE_TEMPLATE.replace('{{traceId}}', traceId)}"`);
    expect(mail.from).toBe('geopulse@notifier.test');

    await waitFor(() => (receiver.on(binaryPath).length > 0 && receiver.on(structuredPath).length > 0) || undefined, { timeoutMs: 30_000, description: 'both webhooks' });
    const [binary] = receiver.on(binaryPath);
    const [structured] = receiver.on(structuredPath);
    expect(verified(binary)).toBe(true);
    expect(verified(structured)).toBe(true);
    expect(binary.headers['content-type']).toMatch(/^application\/json/);
    expect(binary.headers['ce-id']).toBe(eventId);
    expect(structured.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    for (const hook of [binary, structured]) {
      const ce = HTTP.toEvent({ headers: hook.headers as Record<string, string>, body: hook.body });
      const event = Array.isArray(ce) ? ce[0] : ce;
      expect(event).toMatchObject({ specversion: '1.0', id: eventId, type: EVENT_TYPES.alert, source: '/geopulse/rules', subject: dev });
      expect(event.data).toMatchObject({ deviceId: dev, status: 'START', traceId });
    }

    // Exactly one of each, and the log says DELIVERED.
    await settle(1000);
    expect(await mailsTo(to)).toHaveLength(1);
    expect(receiver.on(binaryPath)).toHaveLength(1);
    expect(receiver.on(structuredPath)).toHaveLength(1);
    const log = await fx.notifications('status=DELIVERED');
    expect(log.filter((n) => n.eventId === eventId)).toHaveLength(3);
    expect(binary.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-`));

    // One trace: consume -> notify email / notify webhook (x2), each a child of the consumer span.
    const jaeger = new JaegerClient();
    const spans = await waitFor(async () => {
      const all = (await jaeger.trace(traceId)).filter((s) => s.serviceName === 'geopulse-notifier');
      return all.filter((s) => s.name.startsWith('notify ')).length >= 3 ? all : undefined;
    }, { timeoutMs: 30_000, description: 'delivery spans in the alert trace' });
    const metrics = await (await fetch(`${fx.notifier.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/geopulse_notifier_deliveries_total\{[^}]*channel="email"[^}]*status="DELIVERED"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/geopulse_notifier_deliveries_total\{[^}]*channel="webhook"[^}]*status="DELIVERED"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/geopulse_notifier_delivery_latency_seconds_count\{[^}]*channel="email"/);
    expect(metrics).toMatch(/geopulse_notifier_queue_depth(\{[^}]*\})? \d+/);
    // The delivery group's span (the live stream reads the alert too, in a group of its own).
    const consumer = spans.find((s) => s.name.endsWith('process') && s.kind === 'CONSUMER' && s.attributes['messaging.consumer.group.name'] === consumerGroupName('geopulse-notifier', fx.topicPrefix));
    expect(consumer?.parentSpanId).toBe('1'.repeat(16));
    expect(spans.filter((s) => s.name.startsWith('notify ')).map((s) => [s.name, s.parentSpanId]).sort()).toEqual(
      [['notify email', consumer!.spanId], ['notify webhook', consumer!.spanId], ['notify webhook', consumer!.spanId]],
    );
  });

  it('delivers INSUFFICIENT_DATA alerts to subscriptions of alert.insufficient_data, and only to them', async () => {
    const dev = device();
    const noData = `/no-data-${randomUUID().slice(0, 6)}`;
    const startStop = `/start-stop-${randomUUID().slice(0, 6)}`;
    await fx.subscribe({ name: 'no data', filter: { types: ['alert.insufficient_data'], deviceIds: [dev] }, channel: { type: 'webhook', url: receiver.url(noData), secret, mode: 'structured' } });
    await fx.subscribe(webhook(startStop, 'structured', [dev]));
    const id = await fx.alert(dev, { status: 'INSUFFICIENT_DATA', reason: "avg('temperature', 10): no numeric reading in the window", triggeringReadings: [] });
    // Then a START of the same device: same partition, so once it is delivered the INSUFFICIENT_DATA was routed too.
    const start = await fx.alert(dev);
    await waitFor(() => (receiver.on(noData).length > 0 && receiver.on(startStop).length > 0) || undefined, { timeoutMs: 30_000, description: 'both webhooks' });
    const ids = (path: string) => receiver.on(path).map((hook) => (JSON.parse(hook.body) as { id: string }).id);
    expect(ids(noData)).toEqual([id]);
    expect(ids(startStop)).toEqual([start]);
    expect(JSON.parse(receiver.on(noData)[0].body)).toMatchObject({ type: EVENT_TYPES.alert, data: { status: 'INSUFFICIENT_DATA', deviceId: dev } });
  });

  it('delivers a geofence ENTER to subscriptions of that geofence only', async () => {
    const to = `fence-${randomUUID().slice(0, 6)}@example.com`;
    const other = `other-${randomUUID().slice(0, 6)}@example.com`;
    const dev = device();
    await fx.subscribe({ name: 'depot', filter: { types: ['geofence.enter'], geofenceIds: ['depot-1'], deviceIds: [dev] }, channel: { type: 'email', to: [to] } });
    await fx.subscribe({ name: 'yard', filter: { types: ['geofence.enter'], geofenceIds: ['yard-9'], deviceIds: [dev] }, channel: { type: 'email', to: [other] } });
    await fx.geofence(dev);
    const [mail] = await waitFor(async () => ((await mailsTo(to)).length > 0 ? mailsTo(to) : undefined), { timeoutMs: 30_000, description: 'geofence email' });
    expect(mail.subject).toBe(`[geopulse] Device entered geofence: Depot (depot-1) on ${dev}`);
    expect(mail.text).toContain('lat=52.37, lon=4.89');
    await settle(500);
    expect(await mailsTo(other)).toHaveLength(0);
  });

  it('delivers a geofence.forecast (predicted ENTER) to subscriptions of that type only', async () => {
    const to = `forecast-${randomUUID().slice(0, 6)}@example.com`;
    const enters = `enter-${randomUUID().slice(0, 6)}@example.com`;
    const dev = device();
    await fx.subscribe({ name: 'approaching', filter: { types: ['geofence.forecast'], geofenceIds: ['ulez'], deviceIds: [dev] }, channel: { type: 'email', to: [to] } });
    await fx.subscribe({ name: 'entered', filter: { types: ['geofence.enter'], deviceIds: [dev] }, channel: { type: 'email', to: [enters] } });
    await fx.forecast(dev);
    const [mail] = await waitFor(async () => ((await mailsTo(to)).length > 0 ? mailsTo(to) : undefined), { timeoutMs: 30_000, description: 'forecast email' });
    expect(mail.subject).toBe(`[geopulse] Device predicted to enter geofence: ULEZ (ulez) on ${dev}`);
    expect(mail.text).toContain('etaSeconds=60');
    await settle(500);
    expect(await mailsTo(enters)).toHaveLength(0);
  });

  it('refuses a webhook at a metadata address when the subscription is created, naming the address', async () => {
    const res = await fx.call('POST', '/v1/subscriptions', {
      name: 'steal credentials', filter: { types: ['alert.start'] }, channel: { type: 'webhook', url: 'http://169.254.169.254/latest/meta-data/iam', secret, mode: 'binary' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'WEBHOOK_URL_REFUSED', errors: [{ path: '/channel/url', message: expect.stringContaining('169.254.169.254 is a cloud metadata address') }] });
    const v6 = await fx.call('POST', '/v1/subscriptions', { name: 'v6', filter: { types: ['alert.start'] }, channel: { type: 'webhook', url: 'http://[fd00:ec2::254]/', secret } });
    expect(v6.status).toBe(400);
    expect(v6.body.code).toBe('WEBHOOK_URL_REFUSED');
  });

  it('serves subscription CRUD within the tenant, hides the webhook secret and sends a sample on /test', async () => {
    const path = `/ok-sample-${randomUUID().slice(0, 6)}`;
    const id = await fx.subscribe(webhook(path, 'structured', []));
    const got = await fx.call('GET', `/v1/subscriptions/${id}`);
    expect(got.status).toBe(200);
    expect(JSON.stringify(got.body)).not.toContain(secret);
    const sample = await fx.call('POST', `/v1/subscriptions/${id}/test`);
    expect(sample).toMatchObject({ status: 200, body: { delivered: true } });
    expect(receiver.on(path)).toHaveLength(1);
    expect(verified(receiver.on(path)[0])).toBe(true);
    const put = await fx.call('PUT', `/v1/subscriptions/${id}`, { ...webhook(path, 'binary', []), channel: { type: 'webhook', url: receiver.url(path), secret: '***', mode: 'binary' }, enabled: false });
    expect(put).toMatchObject({ status: 200, body: { enabled: false, version: 2 } });
    expect((await fx.call('POST', `/v1/subscriptions/${id}/test`)).body).toMatchObject({ delivered: true });
    expect(verified(receiver.on(path)[1])).toBe(true);
    expect((await fx.call('DELETE', `/v1/subscriptions/${id}`)).status).toBe(204);
    expect((await fx.call('GET', `/v1/subscriptions/${id}`)).status).toBe(404);
    const invalid = await fx.call('POST', '/v1/subscriptions', { name: '', filter: { types: ['alert.maybe'] }, channel: { type: 'email', to: ['x'] } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('INVALID_SUBSCRIPTION');
  });

  it('throttles a flapping device to one notification within the window, and delivers a redelivered event once', async () => {
    const path = `/ok-throttle-${randomUUID().slice(0, 6)}`;
    const dev = device();
    await fx.subscribe(webhook(path, 'binary', [dev], { throttle: { perDeviceSeconds: 300 } }));
    for (let i = 0; i < 4; i++) {
      await fx.alert(dev, { status: i % 2 === 0 ? 'START' : 'STOP' });
    }
    const dupPath = `/ok-dup-${randomUUID().slice(0, 6)}`;
    const dupDev = device();
    await fx.subscribe(webhook(dupPath, 'binary', [dupDev]));
    const sameId = `dup-${randomUUID()}`;
    await fx.alert(dupDev, {}, sameId);
    await fx.alert(dupDev, {}, sameId);
    await waitFor(() => (receiver.on(path).length > 0 && receiver.on(dupPath).length > 0) || undefined, { timeoutMs: 30_000, description: 'first notifications' });
    await waitFor(async () => ((await fx.notifications('status=THROTTLED')).filter((n) => n.deviceId === dev).length === 3) || undefined, { timeoutMs: 30_000, description: 'throttled entries' });
    await settle(1500);
    expect(receiver.on(path)).toHaveLength(1);
    expect(receiver.on(dupPath)).toHaveLength(1);
  });

  it('retries a webhook answering 500 with growing delays, then marks it FAILED in the log and dead-letters it', async () => {
    const path = `/fail-${randomUUID().slice(0, 6)}`;
    const dev = device();
    const subscriptionId = await fx.subscribe(webhook(path, 'binary', [dev]));
    const eventId = await fx.alert(dev);
    const failed = await waitFor(async () => (await fx.notifications(`subscriptionId=${subscriptionId}&status=FAILED`))[0], { timeoutMs: 60_000, description: 'FAILED entry' });
    expect(failed).toMatchObject({ eventId, status: 'FAILED', attempts: 8, lastError: expect.stringContaining('HTTP 500') });
    const attempts = receiver.on(path).map((h) => h.at);
    expect(attempts).toHaveLength(8);
    const gaps = attempts.slice(1).map((at, i) => at - attempts[i]);
    // Nominal 250, 500, 1000, 2000, 2000, ... ms: each of the first four longer than the one before, none shorter than nominal.
    for (let i = 0; i < 3; i++) expect(gaps[i + 1]).toBeGreaterThan(gaps[i]);
    expect(gaps[0]).toBeGreaterThanOrEqual(240);
    for (const gap of gaps.slice(3)) expect(gap).toBeGreaterThanOrEqual(1990);
    const letters = await waitFor(
      async () => {
        const mine = (await fx.deadLetters()).filter((r) => r.headers['geopulse-dlq-subscription'] === subscriptionId);
        return mine.length > 0 ? mine : undefined;
      },
      { timeoutMs: 30_000, description: 'dead letter' },
    );
    expect(letters).toHaveLength(1);
    expect(letters[0].headers).toMatchObject({ ce_id: eventId, ce_type: EVENT_TYPES.alert, 'geopulse-dlq-reason': 'delivery-failed', 'geopulse-dlq-attempts': '8' });
    expect(letters[0].headers['geopulse-dlq-detail']).toContain('HTTP 500');
  });

  it('retries emails while the SMTP server is down and delivers each once when it returns', async () => {
    const control = componentControl(process.env.GEOPULSE_STACK_DIR!, 'smtp');
    const to = `outage-${randomUUID().slice(0, 6)}@example.com`;
    const devs = [device(), device()];
    const subscriptionId = await fx.subscribe(email(to, devs));
    await control.stop();
    try {
      const ids = [await fx.alert(devs[0]), await fx.alert(devs[1])];
      await waitFor(async () => ((await fx.notifications(`subscriptionId=${subscriptionId}&status=RETRYING`)).length === 2) || undefined, { timeoutMs: 30_000, description: 'both retrying' });
      await control.start();
      await waitFor(async () => ((await mailsTo(to)).length >= 2) || undefined, { timeoutMs: 30_000, description: 'both emails after the outage' });
      await settle(1500);
      const mails = await mailsTo(to);
      expect(mails).toHaveLength(2);
      const log = await fx.notifications(`subscriptionId=${subscriptionId}&status=DELIVERED`);
      expect(log.map((n) => n.eventId).sort()).toEqual([...ids].sort());
      expect(log.every((n) => (n.attempts as number) >= 2)).toBe(true);
    } finally {
      if (!control.isRunning()) await control.start();
    }
  });

  it('delivers each pending delivery exactly once after the notifier is SIGKILLed and restarted', async () => {
    const control = componentControl(process.env.GEOPULSE_STACK_DIR!, 'smtp');
    const to = `kill-${randomUUID().slice(0, 6)}@example.com`;
    const path = `/ok-kill-${randomUUID().slice(0, 6)}`;
    const devs = [device(), device(), device()];
    const mailSub = await fx.subscribe(email(to, devs));
    await fx.subscribe(webhook(path, 'binary', devs));
    await control.stop();
    try {
      const ids: string[] = [];
      for (const dev of devs) ids.push(await fx.alert(dev));
      await waitFor(async () => ((await fx.notifications(`subscriptionId=${mailSub}&status=RETRYING`)).length === 3) || undefined, { timeoutMs: 30_000, description: 'emails retrying' });
      await waitFor(() => receiver.on(path).length === 3 || undefined, { timeoutMs: 30_000, description: 'webhooks delivered' });
      await fx.notifier.kill();
      await control.start();
      await fx.notifier.start();
      await fx.ready();
      await waitFor(async () => ((await mailsTo(to)).length >= 3) || undefined, { timeoutMs: 60_000, description: 'emails after restart' });
      await settle(2000);
      const mails = await mailsTo(to);
      expect(mails).toHaveLength(3);
      expect(new Set(mails.map((m) => m.headers['x-geopulse-event-id']))).toEqual(new Set(ids));
      // The webhooks, delivered before the kill, are not sent again by the restarted notifier (same records, same group).
      expect(receiver.on(path)).toHaveLength(3);
    } finally {
      if (!control.isRunning()) await control.start();
    }
  });
});
