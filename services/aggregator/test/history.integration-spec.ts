import { randomUUID } from 'node:crypto';
import type { TelemetryAggregate, TelemetryReading } from '@geopulse/contracts';
import { waitFor, type ServiceProcess } from '@geopulse/testing';
import { getJson, newJwtSecret, newTopicPrefix, operatorFor, reading, startAggregator, TelemetryFeed } from './support/harness';

const W = 10_000;
const secret = newJwtSecret();
const prefix = newTopicPrefix('hist');
let aggregator: ServiceProcess;
let feed: TelemetryFeed;

beforeAll(async () => {
  aggregator = await startAggregator({
    GEOPULSE_JWT_SECRET: secret,
    KAFKA_TOPIC_PREFIX: prefix,
    DYNAMODB_TABLE_PREFIX: `it-${randomUUID().slice(0, 6)}-`,
    AGGREGATOR_WINDOW_SECONDS: '10',
    // The shuffled feed below sends the first 50 s after the last 45 s: all late, none too late.
    AGGREGATOR_ALLOWED_LATENESS_SECONDS: '300',
    AGGREGATOR_DEVICE_IDLE_SECONDS: '2',
    // Several DynamoDB pages behind every API page.
    AGGREGATOR_HISTORY_QUERY_PAGE_ITEMS: '7',
  });
  feed = new TelemetryFeed(prefix);
});

afterAll(async () => {
  await feed?.close();
  await aggregator?.stop();
});

interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** Follows nextCursor to the end; returns every page. */
async function allPages<T>(path: string, token: string): Promise<Array<Page<T>>> {
  const pages: Array<Page<T>> = [];
  let cursor: string | undefined;
  do {
    const res = await getJson<Page<T>>(`${aggregator.baseUrl}${path}${cursor ? `&cursor=${cursor}` : ''}`, token);
    expect(res.status).toBe(200);
    pages.push(res.body);
    cursor = res.body.nextCursor;
  } while (cursor && pages.length < 100);
  return pages;
}

describe('history in DynamoDB', () => {
  it('pages raw readings and aggregates in event-time order across DynamoDB pages, per tenant', async () => {
    const { tenant, token } = await operatorFor(secret);
    const other = await operatorFor(secret);
    const base = Math.floor((Date.now() - 15 * 60_000) / W) * W;
    const readings = Array.from({ length: 95 }, (_, i) => reading(tenant, 'hist-1', base + i * 1000, { metrics: { i } }));
    // Shuffled arrival, and the first 10 sent twice (a redelivery must not duplicate history).
    await feed.send([...readings.slice(50), ...readings.slice(0, 50), ...readings.slice(0, 10)]);

    const history = `/v1/devices/hist-1/history?from=${new Date(base).toISOString()}&limit=20`;
    await waitFor(async () => (await allPages<TelemetryReading>(history, token)).flatMap((p) => p.items).length === 95, {
      timeoutMs: 30_000,
      intervalMs: 500,
      description: '95 readings in history',
    });
    const pages = await allPages<TelemetryReading>(history, token);
    expect(pages.slice(0, 4).map((p) => p.items.length)).toEqual([20, 20, 20, 20]);
    expect(pages.flatMap((p) => p.items).map((r) => r.metrics?.i)).toEqual(readings.map((_, i) => i));
    expect(pages.flatMap((p) => p.items)[0]).toMatchObject({ tenantId: tenant, deviceId: 'hist-1', id: readings[0].id, ts: readings[0].ts });

    // A time range.
    const range = await allPages<TelemetryReading>(`/v1/devices/hist-1/history?from=${base + 10_000}&to=${new Date(base + 19_000).toISOString()}&limit=4`, token);
    expect(range.flatMap((p) => p.items).map((r) => r.metrics?.i)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);

    // Ten windows; the last closes when the device has been silent for the idle time.
    const aggregatesPath = `/v1/devices/hist-1/aggregates?from=${base}&limit=3`;
    await waitFor(async () => (await allPages<TelemetryAggregate>(aggregatesPath, token)).flatMap((p) => p.items).length === 10, {
      timeoutMs: 60_000,
      intervalMs: 1000,
      description: 'ten aggregates in history',
    });
    const aggregates = (await allPages<TelemetryAggregate>(aggregatesPath, token)).flatMap((p) => p.items);
    expect(aggregates.map((a) => [Date.parse(a.windowStart) - base, a.count])).toEqual(Array.from({ length: 10 }, (_, w) => [w * W, w === 9 ? 5 : 10]));

    // Another tenant sees nothing and cannot use this tenant's cursor.
    expect((await getJson<Page<TelemetryReading>>(`${aggregator.baseUrl}${history}`, other.token)).body.items).toEqual([]);
    const cursor = pages[0].nextCursor!;
    const stolen = await getJson<{ code: string }>(`${aggregator.baseUrl}${history}&cursor=${cursor}`, other.token);
    expect({ status: stolen.status, code: stolen.body.code }).toEqual({ status: 400, code: 'INVALID_CURSOR' });
    const bad = await getJson<{ code: string }>(`${aggregator.baseUrl}/v1/devices/hist-1/history?from=yesterday`, token);
    expect(bad.status).toBe(400);
  });
});
