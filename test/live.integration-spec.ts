import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { freePorts, repoRoot, scrapeMetric, startPipeline, waitFor, type PipelineService, type ServiceProcess } from '@geopulse/testing';
import { newJwtSecret, operatorFor, post } from './support/platform';
import { SseClient, type ReceivedEvent } from './support/sse-client';

// The live stream (GET /v1/stream on the notifier) against the five services as real processes:
// a filtered client sees a reading's position, its START alert and its ENTER within a second;
// another tenant sees nothing; a client that stops reading is cut off while another keeps up;
// a reconnect with Last-Event-ID misses nothing. Then the live map in headless Chromium.

const secret = newJwtSecret();
const prefix = `live-${randomUUID().slice(0, 6)}.`;
let services: Record<PipelineService, ServiceProcess>;
let tenant: { tenant: string; token: string };
let mapOrigin: string;
const clients: SseClient[] = [];
let browser: Browser | undefined;

const CENTER = { lat: 52.3731, lon: 4.8926 };
const OUTSIDE = { lat: 52.39, lon: 4.95 };
const DATA_EVENTS = ['position', 'state', 'alert', 'geofence'];

beforeAll(async () => {
  tenant = await operatorFor(secret);
  // Fixed ports up front: the map (served by the notifier) is told where the other APIs are, and they allow its origin.
  const [aggregator, rules, geo, notifier] = await freePorts(4);
  mapOrigin = `http://127.0.0.1:${notifier}`;
  services = await startPipeline({
    env: {
      GEOPULSE_JWT_SECRET: secret,
      KAFKA_TOPIC_PREFIX: prefix,
      DYNAMODB_TABLE_PREFIX: prefix,
      KAFKA_PARTITIONS: '3',
      LOG_LEVEL: 'warn',
      GEOPULSE_CORS_ORIGINS: mapOrigin,
    },
    serviceEnv: {
      notifier: {
        NOTIFIER_MAP_AGGREGATOR_URL: `http://127.0.0.1:${aggregator}`,
        NOTIFIER_MAP_RULES_URL: `http://127.0.0.1:${rules}`,
        NOTIFIER_MAP_GEO_URL: `http://127.0.0.1:${geo}`,
      },
    },
    ports: { aggregator, rules, geo, notifier },
    readyTimeoutMs: 150_000,
  });
  const call = async (service: PipelineService, path: string, body: unknown) => {
    const res = await post(`${services[service].baseUrl}${path}`, tenant.token, JSON.stringify(body));
    expect({ path, status: res.status }).toEqual({ path, status: 201 });
  };
  await call('rules', '/v1/rules', { id: 'too-hot', name: 'Too hot', expression: 'temperature > 30', severity: 'CRITICAL' });
  await call('geo', '/v1/geofences', { id: 'dam', name: 'Dam Square', geometry: { type: 'Circle', center: [CENTER.lon, CENTER.lat], radiusMeters: 300 } });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  for (const c of clients) c.close();
  await Promise.all(Object.values(services ?? {}).map((s) => s.stop()));
});

async function open(query: string, token = tenant.token, headers: Record<string, string> = {}): Promise<SseClient> {
  const client = await SseClient.open(`${services.notifier.baseUrl}/v1/stream${query}`, token, headers);
  clients.push(client);
  expect(client.status).toBe(200);
  await waitFor(() => client.of('hello').length === 1 || undefined, { timeoutMs: 10_000, description: 'hello' });
  return client;
}

let tsCounter = 0;
/** Sends one reading (event time strictly increasing per run) and returns its id. */
async function send(deviceId: string, position: { lat: number; lon: number }, metrics: Record<string, number | string>, token = tenant.token): Promise<string> {
  const ts = new Date(Date.now() + tsCounter++).toISOString();
  const res = await post(`${services.ingest.baseUrl}/v1/telemetry`, token, JSON.stringify({ deviceId, ts, position, metrics }));
  expect(res.status).toBe(202);
  return (res.body.ids as string[])[0];
}

const alertsOf = (c: SseClient, status: string) => c.of('alert').filter((e) => e.data.status === status);
const fenceOf = (c: SseClient, transition: string) => c.of('geofence').filter((e) => e.data.transition === transition);
const first = async (description: string, find: () => ReceivedEvent | undefined) => waitFor(find, { timeoutMs: 20_000, intervalMs: 20, description });

describe('GET /v1/stream', () => {
  it('shows a device its position, START and ENTER within a second; another tenant nothing; a resume misses nothing', async () => {
    const warm = `warm-${randomUUID().slice(0, 6)}`;
    const device = `van-${randomUUID().slice(0, 6)}`;
    const all = await open('');
    const otherTenant = await open('', (await operatorFor(secret)).token);
    // Warm-up: the rule and the fence are in force and every consumer has joined once this device's START and ENTER arrive.
    await send(warm, CENTER, { temperature: 45 });
    await first('warm-up START', () => alertsOf(all, 'START').find((e) => e.data.deviceId === warm));
    await first('warm-up ENTER', () => fenceOf(all, 'ENTER').find((e) => e.data.deviceId === warm));

    const one = await open(`?deviceIds=${device}`);
    const resumer = await open(`?deviceIds=${device}`);
    const sentAt = Date.now();
    const readingId = await send(device, CENTER, { temperature: 45 });
    const position = await first('position', () => one.of('position')[0]);
    const start = await first('START', () => alertsOf(one, 'START')[0]);
    const enter = await first('ENTER', () => fenceOf(one, 'ENTER')[0]);
    expect(position.data).toMatchObject({ deviceId: device, readingId, position: CENTER });
    expect(start.data).toMatchObject({ deviceId: device, ruleId: 'too-hot', severity: 'CRITICAL', traceId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(enter.data).toMatchObject({ deviceId: device, geofenceId: 'dam' });
    const latency = { position: position.at - sentAt, start: start.at - sentAt, enter: enter.at - sentAt };
    expect(Math.max(...Object.values(latency))).toBeLessThan(1000);
    // Filtered: nothing of the warm-up device.
    expect(one.events.filter((e) => DATA_EVENTS.includes(e.event) && e.data.deviceId !== device)).toEqual([]);

    // The resumer disconnects after START and ENTER; three readings later (STOP, EXIT) it comes back.
    await first('resumer ENTER', () => fenceOf(resumer, 'ENTER')[0]);
    await first('resumer START', () => alertsOf(resumer, 'START')[0]);
    const cursor = resumer.lastId()!;
    resumer.close();
    const missed = [await send(device, CENTER, { temperature: 20 }), await send(device, OUTSIDE, { temperature: 21 }), await send(device, OUTSIDE, { temperature: 22 })];
    await first('STOP', () => alertsOf(one, 'STOP')[0]);
    await first('EXIT', () => fenceOf(one, 'EXIT')[0]);
    const back = await open(`?deviceIds=${device}`, tenant.token, { 'last-event-id': cursor });
    expect(back.of('hello')[0].data.resumed).toBe(true);
    expect(back.of('reset')).toEqual([]);
    const replayedReadings = new Set(back.of('position').map((e) => e.data.readingId));
    for (const id of missed) expect(replayedReadings.has(id)).toBe(true);
    expect(alertsOf(back, 'STOP')).toHaveLength(1);
    expect(fenceOf(back, 'EXIT')).toHaveLength(1);
    // An id of another run is refused with a reset, not misread.
    const stale = await open('', tenant.token, { 'last-event-id': 'feedbeef-1' });
    expect(stale.of('reset')[0].data).toEqual({ reason: 'unknown-stream' });

    // The other tenant's client saw none of it.
    expect(otherTenant.events.filter((e) => DATA_EVENTS.includes(e.event))).toEqual([]);
    process.stdout.write(`live stream latency (ms): ${JSON.stringify(latency)}\n`);
  });

  it('cuts off a client that stops reading, with the reason, while a fast one gets every event', async () => {
    const slow = await open('?types=state');
    const fast = await open('?types=state');
    slow.pause();
    const before = (await scrapeMetric(services.notifier.baseUrl, 'geopulse_notifier_stream_clients_closed_total', { reason: 'slow-consumer' })).value;
    // ~10 MB of states (500 devices, ~20 KB each): more than the sockets' buffers and the 1 MiB client buffer.
    const big = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`m${i}`, 'x'.repeat(200)]));
    const run = randomUUID().slice(0, 6);
    const devices = Array.from({ length: 500 }, (_, i) => `bulk-${run}-${i}`);
    for (let i = 0; i < devices.length; i += 25) {
      const readings = devices.slice(i, i + 25).map((deviceId) => ({ deviceId, ts: new Date().toISOString(), position: OUTSIDE, metrics: big }));
      const res = await post(`${services.ingest.baseUrl}/v1/telemetry`, tenant.token, JSON.stringify({ readings }));
      expect(res.status).toBe(202);
    }
    const got = () => new Set(fast.of('state').map((e) => e.data.deviceId)).size;
    await waitFor(() => got() >= devices.length || undefined, { timeoutMs: 60_000, description: `the fast client getting all ${devices.length} states` }).catch((err: Error) => {
      throw new Error(`${err.message}: it has ${got()}, ended: ${fast.ended}, last: ${JSON.stringify(fast.events.at(-1)?.data).slice(0, 200)}`);
    });
    await waitFor(async () => (await scrapeMetric(services.notifier.baseUrl, 'geopulse_notifier_stream_clients_closed_total', { reason: 'slow-consumer' })).value > before || undefined, {
      timeoutMs: 30_000,
      description: 'the slow client dropped',
    });
    slow.resume();
    await waitFor(() => slow.ended || undefined, { timeoutMs: 20_000, description: 'the slow client\'s stream ended' });
    expect(slow.events.at(-1)).toMatchObject({ event: 'close', data: { reason: 'slow-consumer' } });
    expect(slow.of('state').length).toBeLessThan(devices.length);
    expect(fast.ended).toBe(false);
  });

  it('refuses a bad filter with 400 and no token with 401', async () => {
    const bad = await fetch(`${services.notifier.baseUrl}/v1/stream?types=position,bogus&bbox=1,2`, { headers: { authorization: `Bearer ${tenant.token}` } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: Array<{ path: string }> }).errors.map((e) => e.path)).toEqual(['types', 'bbox']);
    expect((await fetch(`${services.notifier.baseUrl}/v1/stream`)).status).toBe(401);
  });
});

describe('the live map in headless Chromium', () => {
  it('draws the fence, shows devices moving, lists an alert within a second of its reading, and opens the device panel on a click', async () => {
    // A tenant of its own: the map shows only what this test sends.
    const operator = await operatorFor(secret);
    const create = async (service: PipelineService, path: string, body: unknown) => expect((await post(`${services[service].baseUrl}${path}`, operator.token, JSON.stringify(body))).status).toBe(201);
    await create('rules', '/v1/rules', { id: 'too-hot', name: 'Too hot', expression: 'temperature > 30', severity: 'CRITICAL' });
    await create('geo', '/v1/geofences', { id: 'dam', name: 'Dam Square', geometry: { type: 'Circle', center: [CENTER.lon, CENTER.lat], radiusMeters: 300 } });

    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('response', (response) => {
      if (response.status() >= 400) pageErrors.push(`${response.status()} ${response.url()}`);
    });
    // The token rides in the fragment: never sent to a server, never in a log.
    await page.goto(`${mapOrigin}/#token=${operator.token}`);
    await page.waitForSelector('#status[data-status="live"]', { timeout: 20_000 });
    await page.waitForSelector('path.fence-dam', { timeout: 20_000 });
    expect(await page.locator('body').getAttribute('data-fences')).toBe('1');

    const van = `van-${randomUUID().slice(0, 6)}`;
    const truck = `truck-${randomUUID().slice(0, 6)}`;
    await send(van, OUTSIDE, { temperature: 20 }, operator.token);
    // The truck runs hot first: the tenant's first alert has warmed every hop before the one that is timed.
    await send(truck, { lat: CENTER.lat + 0.006, lon: CENTER.lon - 0.01 }, { temperature: 38 }, operator.token);
    const marker = page.locator(`path[data-device="${van}"]`);
    await marker.waitFor({ timeout: 10_000 });
    await page.locator(`path[data-device="${truck}"]`).waitFor({ timeout: 10_000 });
    await page.locator(`#feed li[data-device="${truck}"][data-what="START"]`).waitFor({ timeout: 10_000 });
    const before = await marker.boundingBox();

    // Into the fence, too hot: the alert and the entry are listed within a second of the reading
    // (the page stamps each list item when it adds it; same machine, same clock).
    const sentAt = Date.now();
    await send(van, CENTER, { temperature: 45 }, operator.token);
    const listed = async (what: string) => {
      const item = page.locator(`#feed li[data-device="${van}"][data-what="${what}"]`);
      await item.waitFor({ timeout: 10_000 });
      return Number(await item.getAttribute('data-received-at')) - sentAt;
    };
    const shown = { start: await listed('START'), enter: await listed('ENTER') };
    process.stdout.write(`live map: alert listed after ${shown.start} ms, entry after ${shown.enter} ms\n`);
    expect(Math.max(shown.start, shown.enter)).toBeLessThan(1000);
    // It moves (positions are coalesced to one per second per device, so within about a second).
    await page.waitForFunction(([id, lat]) => document.querySelector(`path[data-device="${id}"]`)?.getAttribute('data-lat') === String(lat), [van, CENTER.lat] as const, { timeout: 10_000 });
    const after = await marker.boundingBox();
    expect(after && before && Math.hypot(after.x - before.x, after.y - before.y)).toBeGreaterThan(20);
    expect(await marker.getAttribute('data-alerting')).toBe('true');

    // A click opens the device panel: latest state, open alert with its trace link, the track.
    await marker.click({ force: true });
    const panel = page.locator('#device-panel');
    await panel.waitFor({ state: 'visible', timeout: 5000 });
    expect(await page.locator('#device-title').textContent()).toBe(van);
    await page.waitForFunction(() => document.querySelector('#device-state')?.textContent?.includes('45'), undefined, { timeout: 10_000 });
    const alertItem = page.locator('#device-alerts li', { hasText: 'Too hot' });
    await alertItem.waitFor({ timeout: 10_000 });
    expect(await alertItem.locator('a').getAttribute('href')).toMatch(/[0-9a-f]{32}/);
    expect(await page.locator('#device-track').textContent()).toMatch(/track: [2-9]\d* points/);

    const artifacts = process.env.GEOPULSE_ARTIFACTS_DIR ?? join(repoRoot, 'test', 'artifacts');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'live-map.png') });
    expect(pageErrors).toEqual([]);
  });
});
