import type { TelemetryReading } from '@geopulse/contracts';
import { NO_WATERMARK, type StoredWatermark } from './partition-watermark';
import { deviceKey, planWindowBatch, type PartitionReading, type StoredDeviceWindows } from './window-batch';
import { WindowAccumulator } from './window-accumulator';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const MIN = 60_000;
let offset = 0;
const rec = (deviceId: string, sec: number, value = 1): PartitionReading<string> => {
  const o = offset++;
  const reading: TelemetryReading = { tenantId: 't', deviceId, id: `${deviceId}-${o}`, ts: new Date(T0 + sec * 1000).toISOString(), receivedAt: '', metrics: { v: value } };
  return { reading, offset: o, ref: reading.id };
};
const plan = (records: PartitionReading<string>[], stored: StoredWatermark = NO_WATERMARK, devices = new Map<string, StoredDeviceWindows>()) =>
  planWindowBatch({ records, stored, devices, windowMs: MIN, allowedLatenessMs: 30_000 });

beforeEach(() => {
  offset = 0;
});

describe('planWindowBatch', () => {
  it('folds readings into per-device windows and advances the watermark to the newest event time', () => {
    const p = plan([rec('a', 1, 2), rec('a', 61, 4), rec('b', 5), rec('a', 2, 6)]);
    expect(p.end).toEqual({ watermark: T0 + 61_000, offset: 3 });
    const a = p.updates.find((u) => u.deviceId === 'a')!;
    expect(a).toMatchObject({ expectedOffset: -1, appliedOffset: 3 });
    expect(a.windows.map((w) => [w.start, w.count])).toEqual([
      [T0, 2],
      [T0 + MIN, 1],
    ]);
    // b at 10:00:05 arrives after the watermark passed 10:01:00: its window is closed, but within lateness.
    expect(p).toMatchObject({ applied: 4, late: 2, tooLate: [] });
  });

  it('sends readings past the allowed lateness to too-late, judged by the watermark before them', () => {
    const p = plan([rec('a', 100), rec('b', 10), rec('b', 59), rec('a', 200), rec('b', 180)]);
    // After 10:01:40 the window 10:00 (end 10:01:00) is closed; lateness 30 s -> too late since 10:01:30.
    expect(p.tooLate.map((r) => r.ref)).toEqual(['b-1', 'b-2']);
    expect(p.applied).toBe(3);
  });

  it('does not count again what a device already applied (replay after a crash)', () => {
    const first = [rec('a', 1), rec('b', 2), rec('a', 3)];
    const done = plan(first);
    const devices = new Map<string, StoredDeviceWindows>([
      [deviceKey('t', 'a'), { appliedOffset: 2, windows: new Map(done.updates[0].windows.map((w) => [w.start, { state: w }])) }],
    ]);
    // 'a' was written, 'b' was not, when the process died: the batch comes again.
    const replay = plan(first, NO_WATERMARK, devices);
    expect(replay).toMatchObject({ replayed: 2, applied: 1 });
    expect(replay.updates.map((u) => u.deviceId)).toEqual(['b']);
  });

  it('judges a replayed batch by the confirmed watermark, not the one its first run left behind', () => {
    const stored: StoredWatermark = { confirmed: { watermark: T0, offset: -1 }, provisional: { watermark: T0 + 500_000, offset: 5 } };
    const p = plan([rec('a', 1)], stored);
    expect(p.tooLate).toEqual([]);
    expect(p.confirmed).toEqual(stored.confirmed);
  });

  it('gives an emitted window the next revision when a late reading changes it', () => {
    const state = WindowAccumulator.empty(T0, MIN);
    WindowAccumulator.add(state, rec('a', 1).reading, 0);
    const devices = new Map<string, StoredDeviceWindows>([[deviceKey('t', 'a'), { appliedOffset: 0, windows: new Map([[T0, { state, emittedRevision: 0 }]]) }]]);
    const p = plan([rec('a', 70), rec('a', 20), rec('a', 30)], { confirmed: NO_WATERMARK.confirmed, provisional: { watermark: T0 + 65_000, offset: 0 } }, devices);
    const w = p.updates[0].windows.find((x) => x.start === T0)!;
    expect(w).toMatchObject({ count: 3, revision: 1 });
    expect(p.late).toBe(2);
  });
});
