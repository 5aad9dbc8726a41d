import type { TelemetryReading } from '@geopulse/contracts';

/**
 * Of a batch of readings, the newest (by event time) per device: only it can move the
 * device's stored state forward, so the store is touched once per device, not per reading.
 * On equal event times the later record in the batch wins (Kafka order).
 */
export function newestPerDevice(readings: readonly TelemetryReading[]): TelemetryReading[] {
  const newest = new Map<string, { reading: TelemetryReading; ms: number }>();
  for (const reading of readings) {
    const key = `${reading.tenantId}\u0000${reading.deviceId}`;
    const ms = Date.parse(reading.ts);
    const current = newest.get(key);
    if (!current || ms >= current.ms) newest.set(key, { reading, ms });
  }
  return [...newest.values()].map((v) => v.reading);
}

/** The stored picture of a device: its newest reading, plus where it was last seen. */
export interface DeviceState {
  tenantId: string;
  deviceId: string;
  ts: string;
  receivedAt: string;
  readingId: string;
  position?: TelemetryReading['position'];
  metrics?: TelemetryReading['metrics'];
  /** Last known position even when the newest reading carried only metrics. */
  lastPosition?: TelemetryReading['position'] & { ts: string };
}

export function stateOf(reading: TelemetryReading, previous?: DeviceState): DeviceState {
  const state: DeviceState = {
    tenantId: reading.tenantId,
    deviceId: reading.deviceId,
    ts: reading.ts,
    receivedAt: reading.receivedAt,
    readingId: reading.id,
  };
  if (reading.position) state.position = reading.position;
  if (reading.metrics) state.metrics = reading.metrics;
  const lastPosition = reading.position ? { ...reading.position, ts: reading.ts } : previous?.lastPosition;
  if (lastPosition) state.lastPosition = lastPosition;
  return state;
}
