import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { createDynamoClients } from '@geopulse/dynamo';
import { dynamoSettings } from '@geopulse/config';
import { ServiceProcess, waitFor } from '@geopulse/testing';
import { AlertCollector, api, MINUTE_MS, newRulesStack, settled, startRules, type RulesStack } from './support/rules-harness';

/**
 * Explain and backtest through the real services: readings go to ingest, the aggregator
 * stores them (history table), the live rules service turns them into alerts; the backtest of
 * the same rule over the same devices and range must give exactly the live episodes.
 *
 * The readings' event times lie two hours back, beyond the live timers' horizon
 * (RULES_TIMER_HORIZON_MINUTES rule minutes after a device's last reading), so live evaluation
 * happens at the readings only, and the backtest range ends at the last reading.
 */
let s: RulesStack;
let rules: ServiceProcess;
let ingest: ServiceProcess;
let aggregator: ServiceProcess;
let collector: AlertCollector;

const RUN = randomUUID().slice(0, 6);
const HOT = `fz-hot-${RUN}`;
const WARMISH = `fz-warmish-${RUN}`;
const COLD = `fz-cold-${RUN}`;
const MANY = `fz-many-${RUN}`;
const T0 = Date.now() - 2 * 3600_000;
const N = 30;
const RULE = { id: 'freezer-door', name: 'freezer warm with door open', expression: "avg('temperature', 3) > 30 && door == 'open'", for: 'PT2S', severity: 'CRITICAL' };

type Reading = { deviceId: string; ts: number; metrics: Record<string, number | string> };

/** A recorded sequence per device: temperature ramps and falls, the door opens and closes. */
function recorded(deviceId: string, base: number): Reading[] {
  return Array.from({ length: N }, (_, i) => ({
    deviceId,
    ts: T0 + i * MINUTE_MS,
    metrics: { temperature: base + (i % 10 < 6 ? i % 10 : 10 - (i % 10)) * 3, door: i % 7 === 6 ? 'closed' : 'open' },
  }));
}

const READINGS = [...recorded(HOT, 22), ...recorded(WARMISH, 19), ...recorded(COLD, -20)];
const LAST = T0 + (N - 1) * MINUTE_MS;

async function post(readings: readonly Reading[]): Promise<void> {
  const res = await fetch(`${ingest.baseUrl}/v1/telemetry`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ readings: readings.map((r) => ({ deviceId: r.deviceId, ts: new Date(r.ts).toISOString(), metrics: r.metrics })) }),
  });
  expect(res.status).toBe(202);
}

const backtestBody = (extra: Record<string, unknown> = {}) => ({ rule: RULE, deviceIds: [HOT, WARMISH, COLD], from: new Date(T0).toISOString(), to: new Date(LAST).toISOString(), ...extra });

beforeAll(async () => {
  s = await newRulesStack('explain');
  const common = { KAFKA_PARTITIONS: '3', KAFKA_TOPIC_PREFIX: s.prefix, DYNAMODB_TABLE_PREFIX: s.prefix, GEOPULSE_JWT_SECRET: s.secret, LOG_LEVEL: 'warn' };
  [rules, ingest, aggregator] = await Promise.all([
    startRules(s, {
      RULES_BACKTEST_MAX_RANGE_HOURS: '48',
      RULES_BACKTEST_MAX_DEVICES: '5',
      RULES_BACKTEST_MAX_READINGS: '100',
      RULES_BACKTEST_SYNC_MAX_DEVICES: '3',
      RULES_BACKTEST_HEARTBEAT_MS: '200',
    }),
    ServiceProcess.start({ name: 'ingest', env: common }),
    ServiceProcess.start({ name: 'aggregator', env: common }),
  ]);
  await Promise.all(
    [ingest, aggregator].map((p) => waitFor(async () => (await fetch(`${p.baseUrl}/readyz`)).ok, { timeoutMs: 60_000, description: `${p.name} ready` })),
  );
  collector = new AlertCollector(s.prefix);
  await collector.start();
  expect((await api('POST', `${rules.baseUrl}/v1/rules`, s.token, { ...RULE, target: { deviceIds: [HOT, WARMISH, COLD] } })).status).toBe(201);
  for (const device of [HOT, WARMISH, COLD]) await post(READINGS.filter((r) => r.deviceId === device));
  await settled(s.prefix, collector, 60_000);
}, 180_000);

afterAll(async () => {
  await collector?.stop();
  await Promise.all([rules, ingest, aggregator].filter(Boolean).map((p) => p.stop()));
});

interface EpisodeBody {
  deviceId: string;
  start: string;
  stop?: string;
  triggeringReadings: Array<{ ts: string }>;
}

/** The live episodes from the alerts topic: START/STOP pairs per device. */
function liveEpisodes(): Array<{ deviceId: string; start: string; stop?: string; triggering: string[] }> {
  const out: Array<{ deviceId: string; start: string; stop?: string; triggering: string[] }> = [];
  for (const a of collector.of((d) => d.ruleId === RULE.id && (d.status === 'START' || d.status === 'STOP'))) {
    if (a.data.status === 'START') out.push({ deviceId: a.data.deviceId, start: a.data.at, triggering: a.data.triggeringReadings.map((t) => t.ts) });
    else {
      const open = out.find((e) => e.deviceId === a.data.deviceId && e.stop === undefined);
      if (open) open.stop = a.data.at;
    }
  }
  return out.sort((a, b) => a.start.localeCompare(b.start) || a.deviceId.localeCompare(b.deviceId));
}

/** The sync backtest once the aggregator has stored every reading (its history consumer runs on its own). */
async function fullBacktest(): Promise<Record<string, unknown>> {
  let last: { status: number; body: Record<string, unknown> } | undefined;
  await waitFor(
    async () => {
      last = await api('POST', `${rules.baseUrl}/v1/rules/backtest`, s.token, backtestBody());
      return last.status !== 200 || (last.body.totals as { readings: number }).readings === READINGS.length || undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500, description: 'every reading in the stored history' },
  ).catch(() => undefined);
  expect(last?.status).toBe(200);
  expect(last?.body.totals).toMatchObject({ readings: READINGS.length });
  return (last as { body: Record<string, unknown> }).body;
}

describe('backtest and explain against the live service', () => {
  it('backtests the rule over the recorded history to exactly the episodes the live service produced', async () => {
    const live = liveEpisodes();
    // By hand: HOT fires at minutes 16-19 and 26-27, WARMISH at 17-18 (avg of 3 > 30 with the door open for 2 minutes).
    expect(live.length).toBe(3);
    expect(new Set(live.map((e) => e.deviceId))).toEqual(new Set([HOT, WARMISH]));
    const result = await fullBacktest();
    const episodes = (result.episodes as EpisodeBody[]).map((e) => ({ deviceId: e.deviceId, start: e.start, ...(e.stop ? { stop: e.stop } : {}), triggering: e.triggeringReadings.map((t) => t.ts) }));
    expect(episodes).toEqual(live);
    const perDevice = result.devices as Array<{ deviceId: string; episodes: number; readings: number }>;
    for (const device of [HOT, WARMISH, COLD]) {
      expect(perDevice.find((d) => d.deviceId === device)).toMatchObject({ readings: N, episodes: live.filter((e) => e.deviceId === device).length });
    }
  });

  it("resolves a target by registry tags and replays those devices only", async () => {
    const sync = await fullBacktest();
    for (const [deviceId, tags] of [[HOT, ['freezer', 'aisle:3']], [COLD, ['freezer']]] as const) {
      const res = await api('POST', `${ingest.baseUrl}/v1/devices`, s.token, { deviceId, name: deviceId, tags });
      expect(res.status).toBe(201);
    }
    const res = await api('POST', `${rules.baseUrl}/v1/rules/backtest`, s.token, { rule: RULE, target: { tags: ['freezer', 'aisle:3'] }, from: new Date(T0).toISOString(), to: new Date(LAST).toISOString() });
    expect(res.status).toBe(200);
    expect((res.body.devices as Array<{ deviceId: string }>).map((d) => d.deviceId)).toEqual([HOT]);
    expect(res.body.episodes).toEqual((sync.episodes as EpisodeBody[]).filter((e) => e.deviceId === HOT));
  });

  it('documents every new route in OpenAPI with its permission and examples', async () => {
    const doc = (await (await fetch(`${rules.baseUrl}/docs-json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { example?: unknown; examples?: unknown }> }>; 'x-geopulse-action'?: string }>> };
    const routes: Array<[string, string, string]> = [
      ['/v1/rules/backtest', 'post', 'rule:read'],
      ['/v1/rules/backtests/{jobId}', 'get', 'rule:read'],
      ['/v1/rules/{id}/explain', 'post', 'rule:read'],
      ['/v1/alerts/{alertId}/explain', 'get', 'alert:read'],
    ];
    for (const [path, method, action] of routes) {
      const operation = doc.paths[path]?.[method];
      expect({ path, action: operation?.['x-geopulse-action'] }).toEqual({ path, action });
      const ok = operation.responses['200']?.content?.['application/json'];
      expect({ path, example: Boolean(ok?.example ?? ok?.examples) }).toEqual({ path, example: true });
    }
  });

  it('runs the same backtest as a job with progress and the same result', async () => {
    const sync = await fullBacktest();
    const started = await api('POST', `${rules.baseUrl}/v1/rules/backtest`, s.token, backtestBody({ async: true }));
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: 'RUNNING', progress: { devicesTotal: 3 }, attempts: 1 });
    const done = await waitFor(
      async () => {
        const job = await api('GET', `${rules.baseUrl}/v1/rules/backtests/${String(started.body.jobId)}`, s.token);
        return job.body.status === 'RUNNING' ? undefined : job.body;
      },
      { timeoutMs: 30_000, description: 'backtest job done' },
    );
    expect(done).toMatchObject({ status: 'DONE', progress: { devicesDone: 3, devicesTotal: 3, readings: READINGS.length } });
    expect(done.result).toEqual(sync);
  });

  it('resumes a job whose replica died: the next replica asked takes it over and finishes it', async () => {
    const sync = await fullBacktest();
    const settings = dynamoSettings({ ...(process.env as Record<string, string>), DYNAMODB_TABLE_PREFIX: s.prefix });
    const { doc } = createDynamoClients(settings);
    const jobId = randomUUID();
    const dead = Date.now() - 60_000;
    // What a replica that crashed mid-run leaves behind: RUNNING, its heartbeat long stopped.
    await doc.send(
      new PutCommand({
        TableName: `${s.prefix}geopulse-rule-backtests`,
        Item: {
          tenantId: s.tenant, jobId, status: 'RUNNING', owner: 'crashed-replica', heartbeatAt: dead, attempts: 1, createdAt: new Date(dead).toISOString(), updatedAt: new Date(dead).toISOString(),
          progress: { devicesDone: 1, devicesTotal: 3, readings: 30 },
          request: { rule: RULE, deviceIds: [HOT, WARMISH, COLD], from: T0, to: LAST },
        },
      }),
    );
    const first = await api('GET', `${rules.baseUrl}/v1/rules/backtests/${jobId}`, s.token);
    expect(first.body).toMatchObject({ attempts: 2 });
    const done = await waitFor(
      async () => {
        const job = await api('GET', `${rules.baseUrl}/v1/rules/backtests/${jobId}`, s.token);
        return job.body.status === 'RUNNING' ? undefined : job.body;
      },
      { timeoutMs: 30_000, description: 'taken-over job done' },
    );
    expect(done).toMatchObject({ status: 'DONE', attempts: 2 });
    expect(done.result).toEqual(sync);
  });

  it('explains a live alert from stored data: every value at the START, the avg window and the for timer', async () => {
    const start = collector.of((d) => d.ruleId === RULE.id && d.status === 'START' && d.deviceId === HOT)[0].data;
    await fullBacktest();
    const res = await api('GET', `${rules.baseUrl}/v1/alerts/${encodeURIComponent(start.alertId)}/explain`, s.token);
    expect(res.status).toBe(200);
    const at = Date.parse(start.at);
    const window = READINGS.filter((r) => r.deviceId === HOT && r.ts > at - 3 * MINUTE_MS && r.ts <= at);
    const avg = window.reduce((sum, r) => sum + (r.metrics.temperature as number), 0) / window.length;
    const door = READINGS.find((r) => r.deviceId === HOT && r.ts === at)?.metrics.door;
    expect(res.body).toMatchObject({
      alertId: start.alertId, deviceId: HOT, at: start.at, reproduced: true, holds: true, outcome: { kind: 'value', value: true },
      triggeringReadings: { count: start.triggeringReadings.length, inStoredHistory: start.triggeringReadings.length },
      timer: { for: 'PT2S', forMs: 2000, before: { status: 'PENDING' }, after: { status: 'FIRING' } },
      tree: {
        operator: '&&', value: true,
        children: [
          { text: '(avg("temperature", 3) > 30)', value: true, children: [{ text: 'avg("temperature", 3)', value: avg, inputs: { readings: window.map((r) => expect.objectContaining({ ts: new Date(r.ts).toISOString(), value: r.metrics.temperature })) } }, { value: 30 }] },
          { text: '(door == "open")', value: true, children: [{ text: 'door', value: door }, { value: 'open' }] },
        ],
      },
    });
    expect((res.body.timer as { heldMs: number }).heldMs).toBeGreaterThanOrEqual(2000);
  });

  it("explains why the rule did not fire for a device that never triggered", async () => {
    const res = await api('POST', `${rules.baseUrl}/v1/rules/${RULE.id}/explain`, s.token, { deviceId: COLD });
    expect(res.status).toBe(200);
    const last = READINGS.filter((r) => r.deviceId === COLD).slice(-3);
    const avg = last.reduce((sum, r) => sum + (r.metrics.temperature as number), 0) / last.length;
    expect(res.body).toMatchObject({
      deviceId: COLD, targeted: true, holds: false, at: new Date(LAST).toISOString(), outcome: { kind: 'value', value: false },
      blocking: { text: '(avg("temperature", 3) > 30)', reason: 'false', value: false },
      timer: { after: { status: 'OK' } },
    });
    expect((res.body.tree as { children: Array<{ children: Array<{ value: unknown }> }> }).children[0].children[0].value).toBeCloseTo(avg, 10);
    const unknown = await api('POST', `${rules.baseUrl}/v1/rules/${RULE.id}/explain`, s.token, { deviceId: `never-seen-${RUN}` });
    expect(unknown.body).toMatchObject({ holds: false, outcome: { kind: 'insufficient' }, blocking: { text: 'door', reason: 'missing' }, missingMetrics: ['door'] });
  });

  it('answers past each bound with a 4xx naming it', async () => {
    const tooLong = await api('POST', `${rules.baseUrl}/v1/rules/backtest`, s.token, backtestBody({ from: new Date(T0 - 49 * 3600_000).toISOString() }));
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.message).toContain('RULES_BACKTEST_MAX_RANGE_HOURS');
    const tooMany = await api('POST', `${rules.baseUrl}/v1/rules/backtest`, s.token, backtestBody({ deviceIds: ['a', 'b', 'c', 'd', 'e', 'f'] }));
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.message).toContain('RULES_BACKTEST_MAX_DEVICES');
    await post(Array.from({ length: 101 }, (_, i) => ({ deviceId: MANY, ts: T0 + i * 100, metrics: { temperature: 1, door: 'open' } })));
    const readings = await waitFor(
      async () => {
        const res = await api('POST', `${rules.baseUrl}/v1/rules/backtest`, s.token, backtestBody({ deviceIds: [MANY] }));
        return res.status === 422 ? res : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, description: 'readings bound reached once stored' },
    );
    expect(readings.body.message).toContain('RULES_BACKTEST_MAX_READINGS');
    // As a job, the same bound ends it FAILED with the bound named (never RUNNING forever).
    const job = await api('POST', `${rules.baseUrl}/v1/rules/backtest`, s.token, backtestBody({ deviceIds: [MANY], async: true }));
    expect(job.status).toBe(202);
    const failed = await waitFor(
      async () => {
        const res = await api('GET', `${rules.baseUrl}/v1/rules/backtests/${String(job.body.jobId)}`, s.token);
        return res.body.status === 'RUNNING' ? undefined : res.body;
      },
      { timeoutMs: 30_000, description: 'job ended' },
    );
    expect(failed).toMatchObject({ status: 'FAILED', error: { code: 'BACKTEST_TOO_LARGE', bound: 'RULES_BACKTEST_MAX_READINGS' } });
  });

  it('refuses bad input precisely', async () => {
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/v1/rules/backtest', backtestBody({ to: new Date(T0 - 1000).toISOString() }), 400, 'to must be after from'],
      ['POST', '/v1/rules/backtest', backtestBody({ from: 'yesterday' }), 400, 'from must be'],
      ['POST', '/v1/rules/backtest', backtestBody({ rule: { ...RULE, expression: 'temperature >' } }), 400, 'the rule is invalid'],
      ['POST', '/v1/rules/backtest', backtestBody({ rule: { ...RULE, expression: "inGeofence('depot')" } }), 400, 'inGeofence() cannot be backtested'],
      ['POST', '/v1/rules/backtest', backtestBody({ deviceIds: 'all' }), 400, 'deviceIds must be'],
      ['POST', '/v1/rules/backtest', backtestBody({ deviceIds: ['x'.repeat(2000)] }), 400, 'deviceIds must be'],
      ['POST', '/v1/rules/backtest', backtestBody({ from: 1e20 }), 400, 'from must be'],
      ['POST', '/v1/rules/backtest', backtestBody({ deviceIds: undefined, target: { tags: [{ x: 1 }] } }), 400, 'target.deviceIds must be'],
      ['POST', `/v1/rules/${RULE.id}/explain`, { deviceId: 'x'.repeat(5000) }, 400, 'deviceId is required'],
      ['POST', `/v1/rules/${RULE.id}/explain`, { deviceId: HOT, at: 'soon' }, 400, 'at must be'],
      ['GET', `/v1/alerts/${'a'.repeat(2000)}/explain`, undefined, 404, 'no alert'],
      ['POST', `/v1/rules/${RULE.id}/explain`, {}, 400, 'deviceId is required'],
      ['POST', '/v1/rules/no-such-rule/explain', { deviceId: HOT }, 404, 'no rule'],
      ['GET', `/v1/alerts/${encodeURIComponent(`${s.tenant}:nope:x:1`)}/explain`, undefined, 404, 'no alert'],
      ['GET', `/v1/rules/backtests/${randomUUID()}`, undefined, 404, 'no backtest'],
    ];
    for (const [method, path, body, status, message] of cases) {
      const res = await api(method, `${rules.baseUrl}${path}`, s.token, body);
      expect({ path, status: res.status }).toEqual({ path, status });
      expect(String(res.body.message)).toContain(message);
    }
    const invalid = await api('POST', `${rules.baseUrl}/v1/rules/backtest`, s.token, backtestBody({ rule: { ...RULE, expression: 'temperature >' } }));
    expect((invalid.body.errors as Array<{ path: string }>)[0].path).toBe('/rule/expression');
  });
});
