import type { ServiceProcess } from '@geopulse/testing';
import { waitFor } from '@geopulse/testing';
import { AlertCollector, api, createRules, MINUTE_MS, newRulesStack, openAlertFeed, ReadingWriter, settled, startRules, type AlertFeed, type RulesStack } from './support/rules-harness';

let s: RulesStack;
let a: ServiceProcess;
let b: ServiceProcess;
let writer: ReadingWriter;
let collector: AlertCollector;
let feed: AlertFeed | undefined;
let n = 0;
const unique = (name: string) => `${name}-${(n += 1)}-${Date.now().toString(36)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  s = await newRulesStack('main');
  [a, b] = await Promise.all([startRules(s), startRules(s)]);
  feed = await openAlertFeed(s.prefix);
  ({ writer, collector } = feed);
}, 120_000);

afterAll(async () => {
  await feed?.close();
  await Promise.all([a, b].filter(Boolean).map((p) => p.stop()));
});

/** Creates a rule and waits until both replicas hold it. */
async function createRule(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const [created] = await createRules(s, a, [a, b], body);
  return created;
}

/** Distinct transitions (by CloudEvent id) of a device, in order of arrival. */
function sequence(deviceId: string, ruleId?: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const alert of collector.of((d) => d.deviceId === deviceId && (ruleId === undefined || d.ruleId === ruleId))) {
    if (seen.has(alert.id)) continue;
    seen.add(alert.id);
    out.push(`${alert.data.ruleId}:${alert.data.status}`);
  }
  return out;
}

/** Every device sends a reading every `intervalMs` until the returned stop() is awaited. */
function liveFeed(devices: readonly string[], intervalMs: number, temperature: () => number): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      await Promise.all(devices.map((d) => writer.write(s.tenant, d, Date.now(), { temperature: temperature() })));
      await sleep(intervalMs);
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

/** Waits until every device has had its STOP, stops the feed, and checks one START and one STOP each. */
async function expectOneEpisodeEach(devices: readonly string[], ruleId: unknown, stopFeed: () => Promise<void>, timeoutMs: number): Promise<void> {
  await waitFor(async () => devices.every((d) => sequence(d).length >= 2), { timeoutMs, description: 'every device STOPs' });
  await stopFeed();
  await settled(s.prefix, collector);
  for (const d of devices) expect(sequence(d)).toEqual([`${String(ruleId)}:START`, `${String(ruleId)}:STOP`]);
}

describe('rules service', () => {
  it('rejects invalid expressions with the position of the error', async () => {
    const syntax = await api('POST', `${a.baseUrl}/v1/rules`, s.token, { name: 'bad', expression: 'temperature < < 50' });
    expect(syntax.status).toBe(400);
    expect(syntax.body).toMatchObject({ code: 'INVALID_RULE', errors: [expect.objectContaining({ path: '/expression', position: 14, code: 'SYNTAX' })] });
    const unknown = await api('POST', `${a.baseUrl}/v1/rules`, s.token, { name: 'bad', expression: 'temperature < 50 && median(temperature) > 1' });
    expect(unknown.body).toMatchObject({ errors: [expect.objectContaining({ position: 20, code: 'UNKNOWN_FUNCTION' })] });
    const validated = await api('POST', `${a.baseUrl}/v1/rules/validate`, s.token, {
      expression: "avg('temperature', 10) > 30 && occupancy",
      readings: [
        { ts: '2026-11-22T10:00:00Z', metrics: { temperature: 28, occupancy: true } },
        { ts: '2026-11-22T10:05:00Z', metrics: { temperature: 34, occupancy: true } },
      ],
    });
    expect(validated.body).toMatchObject({ valid: true, timeDependent: true, windowMinutes: 10, result: { kind: 'value', value: true } });
    const invalid = await api('POST', `${a.baseUrl}/v1/rules/validate`, s.token, { expression: 'a && (b' });
    expect(invalid.body).toMatchObject({ valid: false, issues: [expect.objectContaining({ position: 5 })] });
  });

  it('gives exactly the expected START/STOP sequence for a thermostat feed', async () => {
    const device = unique('thermostat');
    const [cold, occupied] = (
      await createRules(
        s,
        a,
        [a, b],
        { id: unique('cold'), name: 'cold', expression: 'temperature < 50', target: { deviceIds: [device] } },
        { id: unique('cold-occupied'), name: 'cold while occupied', expression: 'temperature < 50 && occupancy == true', target: { deviceIds: [device] } },
      )
    ).map((r) => r.id as string);
    const listed = (await api('GET', `${a.baseUrl}/v1/rules`, s.token)).body.items as Array<{ id: string }>;
    expect(listed.map((r) => r.id)).toEqual(expect.arrayContaining([cold, occupied]));
    expect((await api('GET', `${b.baseUrl}/v1/rules/${occupied}`, s.token)).status).toBe(200);
    const feed: Array<[number, boolean]> = [[55, false], [48, false], [47, true], [46, true], [52, true], [45, true], [45, false], [60, false]];
    const t0 = Date.now() - 10_000;
    for (const [i, [temperature, occupancy]] of feed.entries()) await writer.write(s.tenant, device, t0 + i * 100, { temperature, occupancy });
    // In event order: cold START@1, occ START@2, both STOP@4, both START@5, occ STOP@6, cold STOP@7.
    const expectedCold = ['START', 'STOP', 'START', 'STOP'].map((x) => `${cold}:${x}`);
    const expectedOcc = ['START', 'STOP', 'START', 'STOP'].map((x) => `${occupied}:${x}`);
    await waitFor(async () => sequence(device).length >= 8, { timeoutMs: 15_000, description: '8 transitions' });
    await settled(s.prefix, collector);
    expect(sequence(device, cold)).toEqual(expectedCold);
    expect(sequence(device, occupied)).toEqual(expectedOcc);
    const startTimes = collector.of((d) => d.deviceId === device && d.status === 'START').map((x) => Date.parse(x.data.at) - t0);
    expect([...new Set(startTimes)].sort((x, y) => x - y)).toEqual([100, 200, 500]);
    // The alerts table is kept from the alerts topic by a consumer of its own: wait until it has them.
    const resolvedOf = async () => (await api('GET', `${a.baseUrl}/v1/alerts?deviceId=${device}&status=RESOLVED`, s.token)).body.items as unknown[];
    const firing = await waitFor(async () => ((await resolvedOf()).length >= 4 ? resolvedOf() : undefined), { timeoutMs: 15_000, description: '4 resolved alerts stored' });
    expect(firing.length).toBe(4);
  });

  it('hasNotChanged fires for a device repeating its value and for one that stops sending', async () => {
    const repeat = unique('repeat');
    const silent = unique('silent');
    const rule = await createRule({ id: unique('stuck'), name: 'stuck', expression: "hasNotChanged('temperature', 5)", target: { deviceIds: [repeat, silent] } });
    const started = Date.now();
    await writer.write(s.tenant, silent, started, { temperature: 21 });
    while (Date.now() - started < 7 * MINUTE_MS) {
      await writer.write(s.tenant, repeat, Date.now(), { temperature: 20 });
      await sleep(250);
    }
    await waitFor(async () => sequence(repeat).length > 0 && sequence(silent).length > 0, { timeoutMs: 10_000, description: 'both START' });
    for (const device of [repeat, silent]) {
      expect(sequence(device)).toEqual([`${rule.id}:START`]);
      const at = Date.parse(collector.of((d) => d.deviceId === device)[0].data.at);
      expect(at - started).toBeGreaterThanOrEqual(5 * MINUTE_MS - 300);
      expect(at - started).toBeLessThan(5 * MINUTE_MS + 1500);
    }
  });

  it("avg('temperature', 10) > 30 matches a computed ground truth", async () => {
    const device = unique('avg');
    const rule = await createRule({ id: unique('hot'), name: 'hot', expression: "avg('temperature', 10) > 30", target: { deviceIds: [device] } });
    const values = [20, 25, 31, 33, 40, 45, 38, 20, 10, 5, 5, 5, 5, 5, 5, 5, 5, 40, 41, 42];
    // Event times one rule minute apart, ahead of the clock so timers evaluate at the newest reading.
    const t0 = Date.now() + 60_000;
    const expected: string[] = [];
    let firing = false;
    values.forEach((_, i) => {
      const window = values.slice(0, i + 1).filter((__, j) => i - j < 10);
      const truth = window.reduce((x, y) => x + y, 0) / window.length > 30;
      if (truth !== firing) expected.push(`${rule.id}:${truth ? 'START' : 'STOP'}@${i}`);
      firing = truth;
    });
    for (const [i, temperature] of values.entries()) await writer.write(s.tenant, device, t0 + i * MINUTE_MS, { temperature });
    await waitFor(async () => sequence(device).length >= expected.length, { timeoutMs: 15_000, description: `${expected.length} transitions` });
    await settled(s.prefix, collector);
    const seen = new Set<string>();
    const actual = collector
      .of((d) => d.deviceId === device)
      .filter((x) => !seen.has(x.id) && seen.add(x.id) !== undefined)
      .map((x) => `${x.data.ruleId}:${x.data.status}@${(Date.parse(x.data.at) - t0) / MINUTE_MS}`);
    expect(actual).toEqual(expected);
  });

  it("publishes INSUFFICIENT_DATA once when a windowed rule's metric stops coming, never per reading, and keeps it out of the alerts table", async () => {
    const device = unique('nodata');
    const rule = await createRule({ id: unique('avg2'), name: 'avg2', expression: "avg('temperature', 2) > 30", target: { deviceIds: [device] } });
    await writer.write(s.tenant, device, Date.now(), { temperature: 20 });
    // Two rule minutes (2 s here) later the timers find no temperature in the window.
    const first = await waitFor(async () => collector.of((d) => d.deviceId === device)[0], { timeoutMs: 15_000, description: 'INSUFFICIENT_DATA after the window' });
    expect(first.data).toMatchObject({ status: 'INSUFFICIENT_DATA', ruleId: rule.id, reason: expect.stringContaining('no numeric reading in the window') });
    expect(first.id).toBe(`${first.data.alertId}:INSUFFICIENT_DATA:${first.data.at}`);
    // Readings without the metric are evaluated and change nothing.
    for (let i = 0; i < 5; i += 1) await writer.write(s.tenant, device, Date.now(), { humidity: 40 + i });
    await settled(s.prefix, collector);
    expect(sequence(device)).toEqual([`${String(rule.id)}:INSUFFICIENT_DATA`]);
    await writer.write(s.tenant, device, Date.now(), { temperature: 35 });
    await waitFor(async () => sequence(device).length >= 2, { timeoutMs: 10_000, description: 'START once data is back' });
    await settled(s.prefix, collector);
    expect(sequence(device)).toEqual([`${String(rule.id)}:INSUFFICIENT_DATA`, `${String(rule.id)}:START`]);
    const stored = await waitFor(
      async () => {
        const items = (await api('GET', `${a.baseUrl}/v1/alerts?deviceId=${device}`, s.token)).body.items as Array<{ status: string }>;
        return items.length > 0 ? items : undefined;
      },
      { timeoutMs: 15_000, description: 'the START stored' },
    );
    expect(stored.map((x) => x.status)).toEqual(['FIRING']);
  });

  it('a rule whose evaluation throws does not block the others and shows the error', async () => {
    const device = unique('err');
    const broken = await createRule({ id: unique('broken'), name: 'broken', expression: 'device.nothing[0] > 1', target: { deviceIds: [device] } });
    const ok = await createRule({ id: unique('ok'), name: 'ok', expression: 'temperature < 50', target: { deviceIds: [device] } });
    await writer.write(s.tenant, device, Date.now(), { temperature: 10 });
    await waitFor(async () => sequence(device).length === 1, { timeoutMs: 10_000, description: 'the healthy rule starts' });
    await settled(s.prefix, collector);
    expect(sequence(device)).toEqual([`${ok.id}:START`]);
    const shown = await waitFor(
      async () => {
        const r = await api('GET', `${a.baseUrl}/v1/rules/${broken.id as string}`, s.token);
        return (r.body.errorCount as number) > 0 ? r.body : undefined;
      },
      { timeoutMs: 10_000, description: 'error recorded on the rule' },
    );
    expect(shown.lastError).toMatchObject({ message: expect.stringContaining('Cannot read'), deviceId: device });
  });

  it('an expression change reaches both replicas within a second on a live feed; INACTIVE closes open alerts', async () => {
    const devices = Array.from({ length: 9 }, () => unique('live'));
    const rule = await createRule({ id: unique('live'), name: 'live', expression: 'temperature < 0', target: { deviceIds: devices } });
    const stopFeed = liveFeed(devices, 100, () => 20);
    // The feed runs a second under the old expression (nothing may fire) before the change.
    await sleep(1000);
    const changedAt = Date.now();
    const put = await api('PUT', `${b.baseUrl}/v1/rules/${rule.id as string}`, s.token, { name: 'live', expression: 'temperature > 10', target: { deviceIds: devices } });
    expect(put.status).toBe(200);
    await waitFor(async () => devices.every((d) => sequence(d).length >= 1), { timeoutMs: 10_000, description: 'every device STARTs' });
    const starts = devices.map((d) => collector.of((x) => x.deviceId === d && x.status === 'START')[0]);
    // Readings are written every ~100 ms: the first one evaluated with the new version is at most 1 s after the change.
    for (const start of starts) expect(Date.parse(start.data.at) - changedAt).toBeLessThan(1000);
    expect(new Set(starts.map((x) => x.partition)).size).toBe(3);

    const disabled = await api('PUT', `${a.baseUrl}/v1/rules/${rule.id as string}`, s.token, { name: 'live', expression: 'temperature > 10', status: 'INACTIVE', target: { deviceIds: devices } });
    expect(disabled.status).toBe(200);
    await expectOneEpisodeEach(devices, rule.id, stopFeed, 10_000);
    for (const d of devices) {
      expect(collector.of((x) => x.deviceId === d && x.status === 'STOP')[0].data.reason).toBe('rule disabled');
    }
    const resolvedItems = async () => (await api('GET', `${a.baseUrl}/v1/alerts?ruleId=${rule.id as string}&status=RESOLVED`, s.token)).body.items as unknown[];
    const resolved = await waitFor(async () => ((await resolvedItems()).length >= devices.length ? resolvedItems() : undefined), { timeoutMs: 15_000, description: 'every STOP stored' });
    expect(resolved.length).toBe(devices.length);
    expect((await api('GET', `${a.baseUrl}/v1/alerts?ruleId=${rule.id as string}&status=FIRING`, s.token)).body.items).toEqual([]);
  });

  it('keeps exactly one START and one STOP per episode when a replica is SIGKILLed mid-episode', async () => {
    const devices = Array.from({ length: 6 }, () => unique('crash'));
    const rule = await createRule({ id: unique('crash'), name: 'crash', expression: 'temperature < 50', target: { deviceIds: devices } });
    let temperature = 60;
    const stopFeed = liveFeed(devices, 50, () => temperature);
    // Half a second of warm readings first, so each device has state before its episode opens.
    await sleep(500);
    temperature = 40;
    await waitFor(async () => devices.every((d) => sequence(d).length >= 1), { timeoutMs: 10_000, description: 'episodes open' });
    await a.kill();
    // Down for half a second of the feed: b takes over a's partitions meanwhile.
    await sleep(500);
    await a.start();
    await waitFor(async () => (await fetch(`${a.baseUrl}/readyz`)).ok, { timeoutMs: 60_000, description: 'replica back' });
    // A second of cold readings after the restart, before the episodes close.
    await sleep(1000);
    temperature = 60;
    await expectOneEpisodeEach(devices, rule.id, stopFeed, 30_000);
    for (const d of devices) {
      const records = collector.of((x) => x.deviceId === d);
      // Re-sent records (crash between publish and state write) carry the same event id.
      expect(new Set(records.map((x) => x.id)).size).toBe(2);
    }
  });
});
