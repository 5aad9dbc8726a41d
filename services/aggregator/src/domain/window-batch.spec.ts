import type { TelemetryReading } from '@geopulse/contracts';
import type { StoredProgress } from './device-progress';
import { deviceKey, needsArchive, NO_DEVICE_WINDOWS, planWindowBatch, type PartitionReading, type StoredDeviceWindows, type StoredWindow } from './window-batch';
import { WindowAccumulator } from './window-accumulator';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const MIN = 60_000;
let offset = 0;
const rec = (deviceId: string, sec: number, value = 1): PartitionReading<string> => {
  const o = offset++;
  const reading: TelemetryReading = { tenantId: 't', deviceId, id: `${deviceId}-${o}`, ts: new Date(T0 + sec * 1000).toISOString(), receivedAt: '', metrics: { v: value } };
  return { reading, offset: o, ref: reading.id };
};
const bounds = (windowMs: number, allowedLatenessMs: number, outOfOrdernessMs = 0) => ({ windowMs, allowedLatenessMs, outOfOrdernessMs, archiveMs: 30 * 86_400_000 });
const plan = (records: PartitionReading<string>[], devices = new Map<string, StoredDeviceWindows>()) => planWindowBatch({ records, devices, bounds: bounds(MIN, 30_000) });
/** What the live store holds for a device: its applied offset and progress, and windows. */
const stored = (appliedOffset: number, progress: StoredProgress, windows = new Map<number, StoredWindow>(), droppedUpTo = -Infinity): StoredDeviceWindows => ({
  appliedOffset,
  progress,
  windows,
  droppedUpTo,
  version: '1',
});
const mark = (eventTime: number | null, offset: number) => ({ eventTime, offset });

beforeEach(() => {
  offset = 0;
});

describe('planWindowBatch', () => {
  it("folds readings into per-device windows and advances each device's own progress", () => {
    const p = plan([rec('a', 1, 2), rec('a', 61, 4), rec('b', 5), rec('a', 2, 6)]);
    const a = p.updates.find((u) => u.deviceId === 'a')!;
    expect(a).toMatchObject({ appliedOffset: 3, progress: { confirmed: mark(null, -1), provisional: mark(T0 + 61_000, 3) } });
    expect(a.windows.map((w) => [w.start, w.count])).toEqual([
      [T0, 2],
      [T0 + MIN, 1],
    ]);
    // b at 10:00:05 after a passed 10:01:00: a's clock is not b's, so b is on time.
    expect(p.updates.find((u) => u.deviceId === 'b')!.progress.provisional).toEqual(mark(T0 + 5_000, 2));
    // a at 10:00:02 after a itself passed 10:01:00: its window is closed, but within lateness.
    expect(p).toMatchObject({ applied: 4, late: 1, tooLate: [] });
  });

  it("closes a device's windows by its own event time only: a device an hour behind the others keeps all its windows", () => {
    const records = [];
    for (let s = 0; s < 180; s += 10) records.push(rec('now', 3600 + s), rec('behind', s));
    const p = plan(records);
    expect(p.tooLate).toEqual([]);
    expect(p.emissions.filter((e) => e.deviceId === 'behind').map((e) => [(e.state.start - T0) / MIN, e.state.count])).toEqual([
      [0, 6],
      [1, 6],
    ]);
    expect(p.closed.filter((e) => e.deviceId === 'behind').map((e) => e.state.start)).toEqual([T0, T0 + MIN]);
  });

  it("sends readings past the allowed lateness to too-late, judged by their device's progress before them", () => {
    const p = plan([rec('a', 100), rec('b', 10), rec('a', 10), rec('b', 200), rec('b', 59), rec('a', 59)]);
    // a at 10:01:40: window 10:00 (end 10:01:00) closed, lateness 30 s -> too late since 10:01:30; b's 10:03:20 likewise.
    expect(p.tooLate.map((t) => [t.record.ref, t.reason])).toEqual([
      ['a-2', 'behind-device'],
      ['b-4', 'behind-device'],
      ['a-5', 'behind-device'],
    ]);
    expect(p.applied).toBe(3);
  });

  it('sends a reading received after the archive dropped its window to too-late, whatever the device progress', () => {
    const old = rec('fresh', 0);
    old.reading.receivedAt = new Date(T0 + MIN + 30 * 86_400_000).toISOString();
    const p = plan([old]);
    expect(p.tooLate.map((t) => [t.record.ref, t.reason])).toEqual([['fresh-0', 'past-history']]);
    expect(p.applied).toBe(0);
  });

  it('does not count again what a device already applied (replay after a crash)', () => {
    const first = [rec('a', 1), rec('b', 2), rec('a', 3)];
    const done = plan(first);
    const devices = new Map<string, StoredDeviceWindows>([[deviceKey('t', 'a'), stored(2, done.updates[0].progress, new Map(done.updates[0].windows.map((w) => [w.start, { state: w }])))]]);
    // 'a' was written, 'b' was not, when the process died: the batch comes again.
    const replay = plan(first, devices);
    expect(replay).toMatchObject({ replayed: 2, applied: 1 });
    expect(replay.updates.find((u) => u.deviceId === 'a')).toMatchObject({ windows: [], appliedOffset: 2 });
    expect(replay.updates.find((u) => u.deviceId === 'b')!.windows.map((w) => w.count)).toEqual([1]);
  });

  it("judges a replayed batch by the device's confirmed progress, not the one its first run left behind", () => {
    const devices = new Map([[deviceKey('t', 'a'), stored(-1, { confirmed: mark(T0, -1), provisional: mark(T0 + 500_000, 5) })]]);
    const p = plan([rec('a', 1)], devices);
    expect(p.tooLate).toEqual([]);
    expect(p.updates[0].progress).toEqual({ confirmed: mark(T0, -1), provisional: mark(T0 + 1000, 0) });
  });

  it('continues the revisions of a window read back from the archive', () => {
    const archived = WindowAccumulator.empty(T0, MIN);
    WindowAccumulator.add(archived, rec('a', 1, 5).reading, 0);
    const device = stored(0, { confirmed: mark(T0 + 1000, 0), provisional: mark(T0 + 65_000, 0) }, new Map(), T0 + MIN);
    device.archived = new Map([[T0, { ...archived, revision: 0 }]]);
    const late = rec('a', 2, 7);
    const p = plan([late, rec('a', 70)], new Map([[deviceKey('t', 'a'), device]]));
    expect(p.emissions.map((e) => [e.state.revision, e.state.count, e.state.metrics.v.max])).toEqual([[1, 2, 7]]);
    expect(p.closed.map((e) => e.state.revision)).toEqual([1]);
    // The same reading again under another record (a device retry): counted once, nothing new to send.
    const retry = rec('a', 2, 7);
    retry.reading.id = late.reading.id;
    const again = plan([retry], new Map([[deviceKey('t', 'a'), { ...device, archived: new Map([[T0, p.emissions[0].state]]) }]]));
    expect(again).toMatchObject({ duplicates: 1, applied: 0, emissions: [] });
  });

  it('gathers the late readings of an emitted window into one revision, sent when the device moves on', () => {
    const state = WindowAccumulator.empty(T0, MIN);
    WindowAccumulator.add(state, rec('a', 1).reading, 0);
    const device = stored(0, { confirmed: mark(null, -1), provisional: mark(T0 + 65_000, 0) }, new Map([[T0, { state, emittedRevision: 0 }]]));
    const p = plan([rec('a', 70), rec('a', 20), rec('a', 30), rec('a', 75)], new Map([[deviceKey('t', 'a'), device]]));
    const w = p.updates[0].windows.find((x) => x.start === T0)!;
    // The two late readings make one revision: 1 (count 3), sent with the next reading that moves a's time.
    expect(w).toMatchObject({ count: 3, revision: 1 });
    expect(p.emissions.filter((e) => e.state.start === T0).map((e) => [e.state.revision, e.state.count])).toEqual([[1, 3]]);
    expect(p.late).toBe(2);
    // Without a later reading the revision waits in the live store (for the idle tick), not dropped.
    const waiting = plan([rec('a', 20)], new Map([[deviceKey('t', 'a'), device]]));
    expect(waiting).toMatchObject({ emissions: [], closed: [], late: 1 });
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

  it("emits each window when its device's event time closes it and each late change as the next revision", () => {
    const p = planWindowBatch({ records: records(), devices: new Map(), bounds: bounds(W, W) });
    expect(summary(p)).toEqual(expected);
    expect(p.tooLate.map((t) => t.record.ref)).toEqual([6, 9]);
    expect(p.late).toBe(2);
  });

  it('gives the same revisions whatever the batch boundaries', () => {
    const all = records();
    for (const cut of [1, 3, 4, 5, 7, 9]) {
      const first = planWindowBatch({ records: all.slice(0, cut), devices: new Map(), bounds: bounds(W, W) });
      // What the stores hold after the first batch: open windows live, closed ones (sent, dropped) in the archive.
      const update = first.updates[0];
      const closed = new Set(first.closed.map((c) => c.state.start));
      const device = stored(cut - 1, update.progress, new Map(update.windows.filter((w) => !closed.has(w.start)).map((w) => [w.start, { state: structuredClone(w) }])), Math.max(-Infinity, ...closed) + W);
      device.archived = new Map(first.closed.map((c) => [c.state.start, structuredClone(c.state)]));
      const second = planWindowBatch({ records: all.slice(cut), devices: new Map([[deviceKey('t', 'd'), device]]), bounds: bounds(W, W) });
      expect([...summary(first), ...summary(second)]).toEqual(expected);
    }
  });

  it('keeps a window open for the out-of-orderness bound, so a slightly late reading needs no revision', () => {
    const p = planWindowBatch({ records: records().slice(0, 6), devices: new Map(), bounds: bounds(W, W, 5_000) });
    // 12 s does not close window 0 (end 10 s + 5 s); 8 s joins it; 25 s closes windows 0 and 10.
    expect(summary(p)).toEqual([
      [0, 0, 4, 40, 40],
      [10, 0, 1, 5, 5],
    ]);
  });
});

describe('needsArchive', () => {
  const DAY = 86_400_000;
  it("reads back a known device's window only if the device dropped it", () => {
    const device = stored(5, { confirmed: mark(null, -1), provisional: mark(T0 + 10 * MIN, 5) }, new Map([[T0 + 9 * MIN, { state: WindowAccumulator.empty(T0 + 9 * MIN, MIN) }]]), T0 + 5 * MIN);
    expect(needsArchive(device, T0 + 4 * MIN, MIN, T0, DAY)).toBe(true);
    expect(needsArchive(device, T0 + 5 * MIN, MIN, T0, DAY)).toBe(false);
    expect(needsArchive(device, T0 + 9 * MIN, MIN, T0, DAY)).toBe(false);
  });

  it('reads back an unknown device\'s window only if it is older than the live record lives', () => {
    const unknown = { ...NO_DEVICE_WINDOWS, windows: new Map() };
    expect(needsArchive(unknown, T0, MIN, T0 + 10 * MIN, DAY)).toBe(false);
    expect(needsArchive(unknown, T0, MIN, T0 + DAY, DAY)).toBe(true);
  });
});
