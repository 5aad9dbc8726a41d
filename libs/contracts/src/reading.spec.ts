import { checkReading, checkReadings, DEFAULT_READING_LIMITS, parseEventTime, parseTelemetryReading, type ReadingContext } from './reading';

const now = Date.parse('2026-11-22T10:00:00.000Z');
const ctx: ReadingContext = { now, limits: DEFAULT_READING_LIMITS, newId: () => 'generated-1' };
const valid = {
  deviceId: 'thermostat-1',
  id: 'r-1',
  ts: '2026-11-22T09:59:00Z',
  position: { lat: 52.37, lon: 4.89, accuracy: 5 },
  metrics: { temperature: 48.5, occupancy: true, mode: 'heat' },
};

function issuesOf(raw: unknown, c: ReadingContext = ctx) {
  const result = checkReading(raw, 0, c);
  if (result.ok) throw new Error('expected issues');
  return result.issues;
}

describe('checkReading', () => {
  it('accepts a full reading and normalises ts to ISO with milliseconds', () => {
    const result = checkReading(valid, 0, ctx);
    expect(result).toEqual({ ok: true, reading: { ...valid, ts: '2026-11-22T09:59:00.000Z' } });
  });

  it('accepts epoch milliseconds and generates a missing id', () => {
    const result = checkReading({ deviceId: 'd', ts: now - 1000, metrics: { x: 1 } }, 0, ctx);
    expect(result).toEqual({ ok: true, reading: { deviceId: 'd', id: 'generated-1', ts: '2026-11-22T09:59:59.000Z', metrics: { x: 1 } } });
  });

  it('takes the device from the authenticated key when the reading omits it', () => {
    const result = checkReading({ ts: now, metrics: { x: 1 } }, 0, { ...ctx, authenticatedDeviceId: 'dev-9' });
    expect(result.ok && result.reading.deviceId).toBe('dev-9');
  });

  it.each([
    ['missing ts', { ...valid, ts: undefined }, '/ts', /required/],
    ['latitude 91', { ...valid, position: { lat: 91, lon: 4 } }, '/position/lat', /between -90 and 90/],
    ['longitude -181', { ...valid, position: { lat: 1, lon: -181 } }, '/position/lon', /between -180 and 180/],
    ['NaN metric', { ...valid, metrics: { temperature: NaN } }, '/metrics/temperature', /finite number/],
    ['object metric', { ...valid, metrics: { t: { a: 1 } } }, '/metrics/t', /number, boolean or string/],
    ['bad metric name', { ...valid, metrics: { 'a b': 1 } }, '/metrics/a b', /metric names/],
    ['ts in the future', { ...valid, ts: now + 3600_000 }, '/ts', /future/],
    ['ts too old', { ...valid, ts: '2020-01-01T00:00:00Z' }, '/ts', /horizon/],
    ['ts without zone', { ...valid, ts: '2026-11-22T09:59:00' }, '/ts', /ISO-8601/],
    ['unknown field', { ...valid, extra: 1 }, '/extra', /not a reading field/],
    ['missing lon', { ...valid, position: { lat: 1 } }, '/position/lon', /required/],
    ['bad device id', { ...valid, deviceId: 'a/b' }, '/deviceId', /letters/],
    ['neither position nor metrics', { deviceId: 'd', ts: now }, '', /position, metrics or both/],
  ])('rejects %s at the offending path', (_name, raw, path, message) => {
    const issues = issuesOf(raw);
    expect(issues).toEqual(expect.arrayContaining([expect.objectContaining({ index: 0, path, message: expect.stringMatching(message) })]));
  });

  it('rejects a non-object', () => {
    expect(issuesOf([1, 2])).toEqual([{ index: 0, path: '', message: 'a reading must be an object, got array' }]);
  });
});

describe('checkReadings', () => {
  it('is all-or-nothing and lists every issue with its index', () => {
    const result = checkReadings([valid, { ...valid, ts: undefined }, { ...valid, position: { lat: 100, lon: 0 } }], ctx);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => [i.index, i.path])).toEqual([[1, '/ts'], [2, '/position/lat']]);
  });
});

describe('parseEventTime', () => {
  it('accepts ISO with offsets and rejects garbage', () => {
    expect(parseEventTime('2026-11-22T11:00:00+01:00')).toBe(now);
    expect(parseEventTime('2026-13-45T00:00:00Z')).toBeUndefined();
    expect(parseEventTime(1.5)).toBeUndefined();
    expect(parseEventTime(true)).toBeUndefined();
  });
});

describe('parseTelemetryReading', () => {
  it('accepts event data written by ingest and rejects foreign records', () => {
    const data = { ...valid, ts: '2026-11-22T09:59:00.000Z', tenantId: 'acme', receivedAt: '2026-11-22T10:00:00.000Z' };
    expect(parseTelemetryReading(data)).toEqual(data);
    expect(() => parseTelemetryReading({ ...data, tenantId: undefined })).toThrow(/tenantId/);
    expect(() => parseTelemetryReading({ ...data, position: { lat: 99, lon: 0 } })).toThrow(/position\/lat/);
  });

  it('keeps the registry tags ingest added, and refuses malformed ones', () => {
    const data = { ...valid, ts: '2026-11-22T09:59:00.000Z', tenantId: 'acme', receivedAt: '2026-11-22T10:00:00.000Z', tags: ['fleet-a', 'site:ams'] };
    expect(parseTelemetryReading(data).tags).toEqual(['fleet-a', 'site:ams']);
    expect(parseTelemetryReading({ ...data, tags: undefined })).not.toHaveProperty('tags');
    expect(() => parseTelemetryReading({ ...data, tags: 'fleet-a' })).toThrow(/tags/);
    expect(() => parseTelemetryReading({ ...data, tags: [''] })).toThrow(/tags/);
  });
});
