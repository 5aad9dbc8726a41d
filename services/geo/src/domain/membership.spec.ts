import type { Geofence } from '@geopulse/contracts';
import { GeofenceIndex } from './geofence-index';
import { applyReading, closeVisit, due, reconsiderVisit, fireDueDwells, uncertaintyBand, type DeviceGeoState, type PositionReading, type Transition } from './membership';

const T0 = Date.UTC(2026, 10, 22, 10);
const square: Geofence = {
  id: 'sq',
  tenantId: 't1',
  name: 'Square',
  geometry: { type: 'Polygon', coordinates: [[[0, 0], [0.01, 0], [0.01, 0.01], [0, 0.01], [0, 0]]] },
  dwellSeconds: 60,
  version: 1,
  createdAt: '',
  updatedAt: '',
};

/** Drives readings through the index and the state machine, as the use case does. */
function track(index: GeofenceIndex, points: Array<[number, number, number, number?]>, start?: DeviceGeoState, deviceId = 'd1') {
  let state = start;
  const transitions: Transition[] = [];
  for (const [tsOffsetS, lon, lat, accuracy] of points) {
    const reading: PositionReading = { id: `r${tsOffsetS}`, ts: T0 + tsOffsetS * 1000, position: { lon, lat, accuracy } };
    const observations = index.observe('t1', reading.position, uncertaintyBand(reading.position, 0));
    const result = applyReading(deviceId, state, reading, observations, (id) => index.get('t1', id), reading.ts + 100);
    if (result.applied) transitions.push(...result.transitions);
    state = result.state;
  }
  return { state: state!, kinds: transitions.map((t) => `${t.transition}:${t.fenceId}:${t.reason}@${(t.at - T0) / 1000}`), transitions };
}

const indexWith = (...fences: Geofence[]) => {
  const index = new GeofenceIndex();
  for (const f of fences) index.upsert(f);
  return index;
};

describe('membership state machine', () => {
  it('emits ENTER, DWELL once after dwellSeconds, and EXIT for a track through a fence', () => {
    const { kinds } = track(indexWith(square), [
      [0, -0.001, 0.005],
      [10, 0.005, 0.005],
      [40, 0.006, 0.005],
      [70, 0.007, 0.005],
      [100, 0.008, 0.005],
      [130, 0.011, 0.005],
      [140, 0.012, 0.005],
    ]);
    expect(kinds).toEqual(['ENTER:sq:position@10', 'DWELL:sq:position@70', 'EXIT:sq:position@130']);
  });

  it('ignores readings at or before the last applied one (late and duplicate)', () => {
    const index = indexWith(square);
    const { state } = track(index, [[10, 0.005, 0.005]]);
    const late = track(index, [[5, 0.02, 0.02], [10, 0.02, 0.02]], state);
    expect(late.kinds).toEqual([]);
    expect(late.state).toBe(state);
  });

  it('does not flip membership while the accuracy circle straddles the boundary', () => {
    // ~5.5 m inside and outside the east edge (lon 0.01), with 20 m accuracy.
    const { kinds } = track(indexWith(square), [
      [0, 0.005, 0.005, 5],
      [10, 0.01005, 0.005, 20],
      [20, 0.00995, 0.005, 20],
      [30, 0.01005, 0.005, 20],
      [40, 0.0102, 0.005, 5],
    ]);
    expect(kinds).toEqual(['ENTER:sq:position@0', 'EXIT:sq:position@40']);
  });

  it('does not enter on an uncertain first position', () => {
    expect(track(indexWith(square), [[0, 0.00995, 0.005, 20]]).kinds).toEqual([]);
  });

  it('fires a due DWELL from the timer without a reading, once', () => {
    const { state } = track(indexWith(square), [[0, 0.005, 0.005]]);
    // Applied 100 ms after its event time: due 60 s of device time later.
    expect(due(state, T0 + 60_099)).toEqual([]);
    expect(due(state, T0 + 60_100).map((d) => d.fenceId)).toEqual(['sq']);
    const fired = fireDueDwells(state, T0 + 61_000);
    expect(fired.transitions).toEqual([expect.objectContaining({ transition: 'DWELL', reason: 'dwell-timer', at: T0 + 60_000, position: { lon: 0.005, lat: 0.005 } })]);
    expect(due(fired.state, T0 + 120_000)).toEqual([]);
    expect(fireDueDwells(fired.state, T0 + 120_000).transitions).toEqual([]);
    // A later reading inside does not fire it again.
    expect(track(indexWith(square), [[90, 0.005, 0.005]], fired.state).kinds).toEqual([]);
  });

  it('measures a silent device by the wall time since its last reading was applied, so a replayed backlog does not DWELL early', () => {
    const { state } = track(indexWith(square), [[0, 0.005, 0.005]]);
    const replayed = { ...state, appliedAt: T0 + 3_600_000 };
    expect(due(replayed, T0 + 3_600_000 + 59_999)).toEqual([]);
    expect(due(replayed, T0 + 3_600_000 + 60_000).map((d) => d.fenceId)).toEqual(['sq']);
  });

  it('does not DWELL when the device left before dwellAt', () => {
    const { kinds } = track(indexWith(square), [[0, 0.005, 0.005], [30, 0.02, 0.02], [100, 0.02, 0.02]]);
    expect(kinds).toEqual(['ENTER:sq:position@0', 'EXIT:sq:position@30']);
  });

  it('exits with the reason when the fence was deleted, changed or retargeted under the device', () => {
    const { state } = track(indexWith(square), [[0, 0.005, 0.005]]);
    expect(track(indexWith(), [[10, 0.005, 0.005]], state).kinds).toEqual(['EXIT:sq:fence-deleted@10']);
    const moved: Geofence = { ...square, version: 2, geometry: { type: 'Circle', center: [1, 1], radiusMeters: 10 } };
    expect(track(indexWith(moved), [[10, 0.005, 0.005]], state).kinds).toEqual(['EXIT:sq:fence-changed@10']);
    expect(track(indexWith({ ...square, version: 2, target: { deviceIds: ['other'] } }), [[10, 0.005, 0.005]], state).kinds).toEqual(['EXIT:sq:fence-retargeted@10']);
    expect(closeVisit(state, 'sq', 'fence-deleted', T0 + 5000).transitions).toEqual([expect.objectContaining({ transition: 'EXIT', reason: 'fence-deleted', at: T0 + 5000, visitStartedAt: T0 })]);
  });

  it('re-judges a visit at the last known position when its fence changes without a reading', () => {
    const { state } = track(indexWith(square), [[0, 0.005, 0.005]]);
    const moved: Geofence = { ...square, version: 2, geometry: { type: 'Circle', center: [1, 1], radiusMeters: 10 } };
    expect(reconsiderVisit('d1', state, moved, 'outside', T0 + 9000).transitions).toEqual([expect.objectContaining({ transition: 'EXIT', reason: 'fence-changed', at: T0 + 9000 })]);
    expect(reconsiderVisit('d1', state, { ...square, version: 2, target: { deviceIds: ['d2'] } }, 'inside', T0 + 9000).transitions).toEqual([
      expect.objectContaining({ transition: 'EXIT', reason: 'fence-retargeted' }),
    ]);
    const kept = reconsiderVisit('d1', state, { ...square, version: 2, name: 'Renamed' }, 'uncertain', T0 + 9000);
    expect(kept.transitions).toEqual([]);
    expect(kept.state.visits.sq).toMatchObject({ fenceVersion: 2, fenceName: 'Renamed', enteredAt: T0 });
  });

  it('only enters fences that target the device', () => {
    const index = indexWith({ ...square, target: { deviceIds: ['d2'] } });
    expect(track(index, [[0, 0.005, 0.005]], undefined, 'd1').kinds).toEqual([]);
    expect(track(index, [[0, 0.005, 0.005]], undefined, 'd2').kinds).toEqual(['ENTER:sq:position@0']);
  });

  it('uses the accuracy as the band, never below the minimum', () => {
    expect(uncertaintyBand({ lat: 0, lon: 0 }, 3)).toBe(3);
    expect(uncertaintyBand({ lat: 0, lon: 0, accuracy: 12 }, 3)).toBe(12);
  });
});
