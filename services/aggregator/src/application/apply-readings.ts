import type { TelemetryReading } from '@geopulse/contracts';
import { newestPerDevice, type DeviceState } from '../domain/latest-state';
import type { NearbyQuery, WithinQuery } from '../domain/nearby-query';

export type { NearbyQuery, WithinQuery };

/** Wall-clock time in epoch ms; a port so that tests control it. */
export type Clock = () => number;

export interface ApplyOutcome {
  /** Readings that moved their device's state forward. */
  applied: number;
  /** Readings not newer than the stored state. */
  stale: number;
  /** Newer than the stored state but already older than the silent-device horizon. */
  beyondHorizon: number;
}

/** Port: the live device store (latest state, the tenant's geo index and last-seen times). */
export interface DeviceStateStore {
  /** Stores each reading's state unless the stored one is as new or newer. */
  applyNewest(readings: readonly TelemetryReading[], now: number): Promise<ApplyOutcome>;
  get(tenantId: string, deviceId: string): Promise<DeviceState | undefined>;
  nearby(tenantId: string, query: NearbyQuery, now: number): Promise<LocatedDevice[]>;
  within(tenantId: string, query: WithinQuery, now: number): Promise<LocatedDevice[]>;
}

export interface LocatedDevice {
  deviceId: string;
  /** From the query point (nearby) or the box centre (within). */
  distanceMeters: number;
  lat: number;
  lon: number;
  state?: DeviceState;
}

/** Applies a consumed batch: only the newest reading per device can move its state. */
export class ApplyReadings {
  constructor(
    private readonly store: DeviceStateStore,
    private readonly clock: Clock,
  ) {}

  async execute(readings: readonly TelemetryReading[]): Promise<ApplyOutcome> {
    if (readings.length === 0) return { applied: 0, stale: 0, beyondHorizon: 0 };
    const candidates = newestPerDevice(readings);
    const outcome = await this.store.applyNewest(candidates, this.clock());
    // Readings that were not their device's newest in the batch are stale by construction.
    return { ...outcome, stale: readings.length - outcome.applied - outcome.beyondHorizon };
  }
}
