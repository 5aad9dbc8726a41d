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

  it('gives an emitted window the next revision for each late reading that changes it', () => {
    const state = WindowAccumulator.empty(T0, MIN);
    WindowAccumulator.add(state, rec('a', 1).reading, 0);
    const devices = new Map<string, StoredDeviceWindows>([[deviceKey('t', 'a'), { appliedOffset: 0, windows: new Map([[T0, { state, emittedRevision: 0 }]]) }]]);
    const p = plan([rec('a', 70), rec('a', 20), rec('a', 30)], { confirmed: NO_WATERMARK.confirmed, provisional: { watermark: T0 + 65_000, offset: 0 } }, devices);
    const w = p.updates[0].windows.find((x) => x.start === T0)!;
    // Each late reading is its own revision: 1 (count 2), then 2 (count 3).
    expect(w).toMatchObject({ count: 3, revision: 2 });
    expect(p.emissions.filter((e) => e.state.start === T0).map((e) => [e.state.revision, e.state.count])).toEqual([
      [1, 2],
      [2, 3],
    ]);
    expect(p.late).toBe(2);
  });
});

describe('planWindowBatch emissions', () => {
  const W = 10_000;
  const script: Array<[number, number]> = [
    [1, 10],
    [3, 20],
    [5, 30],
    [12, 5], // watermark 12 s: window 0 closes -> revision 0 (count 3)
    [8, 40], // late within lateness: window 0 revision 1 (count 4)
    [25, 7], // window 1 closes -> revision 0
    [9, 50], // too late for window 0 (end 10 + lateness 10 <= 25)
    [15, 6], // late: window 1 revision 1
    [31, 1], // window 2 closes -> revision 0
    [19, 100], // too late
  ];
  const records = () => script.map(([sec, v], i) => ({ reading: { tenantId: 't', deviceId: 'd', id: `r${i}`, ts: new Date(T0 + sec * 1000).toISOString(), receivedAt: '', metrics: { v } }, offset: i, ref: i }));
  const summary = (p: ReturnType<typeof planWindowBatch<number>>) =>
    p.emissions.map((e) => {
      const a = WindowAccumulator.toAggregate(e.state, e.tenantId, e.deviceId);
      return [(Date.parse(a.windowStart) - T0) / 1000, a.revision, a.count, a.metrics.v.max, a.metrics.v.last];
    });
  const expected = [
    [0, 0, 3, 30, 30],
    [0, 1, 4, 40, 40],
    [10, 0, 1, 5, 5],
    [10, 1, 2, 6, 6],
    [20, 0, 1, 7, 7],
  ];

  it('emits each window when the watermark closes it and each late change as the next revision', () => {
    const p = planWindowBatch({ records: records(), stored: NO_WATERMARK, devices: new Map(), windowMs: W, allowedLatenessMs: W });
    expect(summary(p)).toEqual(expected);
    expect(p.tooLate.map((r) => r.ref)).toEqual([6, 9]);
    expect(p.late).toBe(2);
  });

  it('gives the same revisions whatever the batch boundaries', () => {
    const all = records();
    for (const cut of [1, 3, 4, 5, 7, 9]) {
      const first = planWindowBatch({ records: all.slice(0, cut), stored: NO_WATERMARK, devices: new Map(), windowMs: W, allowedLatenessMs: W });
      // What the store holds after the first batch: windows, with emitted revisions marked for closed ones.
      const windows = new Map(
        first.updates[0].windows.map((w) => {
          const sent = first.emissions.filter((e) => e.state.start === w.start).map((e) => e.state.revision);
          return [w.start, { state: structuredClone(w), ...(sent.length ? { emittedRevision: Math.max(...sent) } : {}) }];
        }),
      );
      const devices = new Map([[deviceKey('t', 'd'), { appliedOffset: cut - 1, windows }]]);
      const second = planWindowBatch({ records: all.slice(cut), stored: { confirmed: NO_WATERMARK.confirmed, provisional: first.end }, devices, windowMs: W, allowedLatenessMs: W });
      // Windows the first batch's watermark already closed but did not emit are emitted by the store at batch end.
      const storeFlush = first.updates[0].windows
        .filter((w) => w.end <= (first.end.watermark ?? -Infinity) && !first.emissions.some((e) => e.state.start === w.start && e.state.revision === w.revision))
        .map((w) => ({ tenantId: 't', deviceId: 'd', state: w }));
      expect(storeFlush).toEqual([]);
      expect([...summary(first), ...summary(second)]).toEqual(expected);
    }
  });
});
