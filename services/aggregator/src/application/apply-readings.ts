import type { TelemetryReading } from '@geopulse/contracts';
import { newestPerDevice, type DeviceState } from '../domain/latest-state';

/** Port: the live device store (latest state and the tenant's geo index). */
export interface DeviceStateStore {
  /** Stores each reading's state unless the stored one is as new or newer; returns how many moved forward. */
  applyNewest(readings: readonly TelemetryReading[]): Promise<number>;
  get(tenantId: string, deviceId: string): Promise<DeviceState | undefined>;
  nearby(tenantId: string, query: NearbyQuery): Promise<NearbyDevice[]>;
}

export interface NearbyQuery {
  lat: number;
  lon: number;
  radiusMeters: number;
  limit: number;
}

export interface NearbyDevice {
  deviceId: string;
  distanceMeters: number;
  lat: number;
  lon: number;
}

/** Applies a consumed batch: only the newest reading per device can move its state. */
export class ApplyReadings {
  constructor(private readonly store: DeviceStateStore) {}

  async execute(readings: readonly TelemetryReading[]): Promise<{ applied: number; stale: number }> {
    if (readings.length === 0) return { applied: 0, stale: 0 };
    const candidates = newestPerDevice(readings);
    const applied = await this.store.applyNewest(candidates);
    return { applied, stale: readings.length - applied };
  }
}
