import type { Context } from '@opentelemetry/api';
import type { TelemetryReading } from '@geopulse/contracts';
import { applyReading, uncertaintyBand, type DeviceGeoState } from '../domain/membership';
import { commitChanges, type DeviceChange } from './commit-changes';
import type { GeofenceCatalog } from './geofence-catalog';
import type { Clock, MembershipStore, OutgoingTransition, TransitionPublisher } from './ports';

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
}


/** A batch of readings with positions -> memberships -> transitions, per device in event-time order. */
export class EvaluatePositions {
  constructor(
    private readonly catalog: GeofenceCatalog,
    private readonly store: MembershipStore,
    private readonly publisher: TransitionPublisher,
    private readonly minHysteresisMeters: number,
    private readonly clock: Clock,
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
    const changes: DeviceChange[] = [];
    let evaluated = 0;
    let stale = 0;
    const index = this.catalog.index;
    const now = this.clock();
    for (const [tenantId, devices] of byTenant) {
      const states = await this.store.load(tenantId, [...devices.keys()]);
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
        if (state && state !== previous) changes.push({ device: { tenantId, deviceId, partition: items[0].partition }, previous, next: state });
      }
    }
    await commitChanges(this.store, this.publisher, transitions, changes);
    return { evaluated, stale, transitions };
  }
}
