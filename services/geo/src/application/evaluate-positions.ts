import type { Context } from '@opentelemetry/api';
import type { TelemetryReading } from '@geopulse/contracts';
import type { Geofence } from '@geopulse/contracts';
import { approachAlerts, type ForecastSettings } from '../domain/forecast';
import { targets } from '../domain/geofence';
import { applyReading, uncertaintyBand, type DeviceGeoState } from '../domain/membership';
import { commitChanges, type DeviceChange } from './commit-changes';
import type { GeofenceCatalog } from './geofence-catalog';
import type { ApproachPublisher, Clock, MembershipStore, OutgoingApproach, OutgoingTransition, TransitionPublisher } from './ports';

export interface PositionedReading {
  reading: TelemetryReading;
  /** Telemetry partition the reading came from (its device's timers live there). */
  partition: number;
  traceContext?: Context;
}

export interface EvaluateOutcome {
  evaluated: number;
  /** At or before the device's last applied event time (late, duplicate, replayed). */
  stale: number;
  transitions: OutgoingTransition[];
  approaches: OutgoingApproach[];
}


/** A batch of readings with positions -> memberships -> transitions, per device in event-time order. */
export class EvaluatePositions {
  constructor(
    private readonly catalog: GeofenceCatalog,
    private readonly store: MembershipStore,
    private readonly publisher: TransitionPublisher,
    private readonly minHysteresisMeters: number,
    private readonly clock: Clock,
    /** Announces predicted ENTERs into fences with `forecastMinutes` (absent: never). */
    private readonly approaches?: { publisher: ApproachPublisher; settings: ForecastSettings },
  ) {}

  async execute(batch: readonly PositionedReading[]): Promise<EvaluateOutcome> {
    const byTenant = new Map<string, Map<string, PositionedReading[]>>();
    for (const item of batch) {
      if (!item.reading.position) continue;
      const devices = byTenant.get(item.reading.tenantId) ?? new Map<string, PositionedReading[]>();
      const list = devices.get(item.reading.deviceId) ?? [];
      list.push(item);
      devices.set(item.reading.deviceId, list);
      byTenant.set(item.reading.tenantId, devices);
    }
    const transitions: OutgoingTransition[] = [];
    const approaches: OutgoingApproach[] = [];
    const changes: DeviceChange[] = [];
    let evaluated = 0;
    let stale = 0;
    const index = this.catalog.index;
    const now = this.clock();
    for (const [tenantId, devices] of byTenant) {
      const states = await this.store.load(tenantId, [...devices.keys()]);
      const forecastFences = this.approaches ? index.list(tenantId).filter((f) => f.forecastMinutes !== undefined) : [];
      for (const [deviceId, items] of devices) {
        // Event-time order; Array.sort is stable, so the first of equal times wins.
        items.sort((a, b) => Date.parse(a.reading.ts) - Date.parse(b.reading.ts));
        const previous = states.get(deviceId);
        let state: DeviceGeoState | undefined = previous;
        for (const { reading, traceContext } of items) {
          const position = reading.position!;
          const observations = index.observe(tenantId, position, uncertaintyBand(position, this.minHysteresisMeters));
          const result = applyReading(deviceId, state, { id: reading.id, ts: Date.parse(reading.ts), position: { lat: position.lat, lon: position.lon, accuracy: position.accuracy }, tags: reading.tags }, observations, (id) =>
            index.get(tenantId, id), now,
          );
          if (!result.applied) {
            stale++;
            continue;
          }
          evaluated++;
          state = result.state;
          for (const transition of result.transitions) transitions.push({ tenantId, deviceId, transition, traceContext });
        }
        if (state && state !== previous && this.approaches) {
          const last = items[items.length - 1];
          state = this.announce(tenantId, deviceId, state, previous, forecastFences, last.traceContext, approaches);
        }
        if (state && state !== previous) changes.push({ device: { tenantId, deviceId, partition: items[0].partition }, previous, next: state });
      }
    }
    if (approaches.length > 0) await this.approaches!.publisher.publish(approaches);
    await commitChanges(this.store, this.publisher, transitions, changes);
    return { evaluated, stale, transitions, approaches };
  }

  /** The device's approaches after its newest fix: keeps the announced ones, queues new ones. */
  private announce(tenantId: string, deviceId: string, state: DeviceGeoState, previous: DeviceGeoState | undefined, fences: readonly Geofence[], traceContext: Context | undefined, out: OutgoingApproach[]): DeviceGeoState {
    const announced = previous?.approaches ?? {};
    if (fences.length === 0 && Object.keys(announced).length === 0) return state;
    const index = this.catalog.index;
    const candidates = fences.filter((f) => !state.visits[f.id] && targets(f.target, deviceId, state.tags)).map((fence) => ({ fence, shape: index.shapeOf(tenantId, fence.id)! }));
    const { approaches, alerts } = approachAlerts(state.track ?? [], candidates, announced, this.approaches!.settings);
    const from = state.track![state.track!.length - 1];
    for (const alert of alerts) out.push({ tenantId, deviceId, alert, from, traceContext });
    const next: DeviceGeoState = { ...state };
    delete next.approaches;
    if (Object.keys(approaches).length > 0) next.approaches = approaches;
    return next;
  }
}
