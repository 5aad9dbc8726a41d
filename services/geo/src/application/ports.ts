import type { Context } from '@opentelemetry/api';
import type { Geofence } from '@geopulse/contracts';
import type { ApproachAlert } from '../domain/forecast';
import type { DeviceGeoState, Transition } from '../domain/membership';

/** Wall-clock time in epoch ms; a port so that tests control it. */
export type Clock = () => number;

/** The geofence table: the source of truth (`geopulse-geofences`, tenantId + geofenceId). */
export interface GeofenceRepository {
  get(tenantId: string, id: string): Promise<Geofence | undefined>;
  list(tenantId: string): Promise<Geofence[]>;
  /** Every fence of every tenant (start-up load and periodic reconcile). */
  scanAll(): Promise<Geofence[]>;
  /**
   * Writes a fence. With `expectedVersion` the write succeeds only if the stored version is
   * that one (`null`: only if absent); otherwise throws GeofenceError CONFLICT.
   */
  put(fence: Geofence, expectedVersion: number | null): Promise<void>;
  /** Deletes; false when there was nothing. */
  delete(tenantId: string, id: string): Promise<boolean>;
}

/** The compacted `geopulse.geofences.v1` (key `<tenantId>:<geofenceId>`). */
export interface GeofenceChangePublisher {
  changed(fences: readonly Geofence[]): Promise<void>;
  deleted(tenantId: string, id: string): Promise<void>;
}

/** Where a device's stored state lives in Kafka terms: its telemetry partition (owner of its timers). */
export interface DeviceRef {
  tenantId: string;
  deviceId: string;
  partition: number;
}

export interface DueDwell extends DeviceRef {
  fenceId: string;
  dwellAt: number;
}

/** Per-device geofence state in Redis, the reverse index of visits, and due DWELL timers. */
export interface MembershipStore {
  load(tenantId: string, deviceIds: readonly string[]): Promise<Map<string, DeviceGeoState>>;
  /**
   * Stores the new state if the stored one still has `previous`'s lastTs (compare-and-set:
   * false when another writer got there first), keeps the per-fence visitor index, and
   * schedules / cancels DWELL timers of the device's partition.
   */
  save(device: DeviceRef, previous: DeviceGeoState | undefined, next: DeviceGeoState): Promise<boolean>;
  /** Devices with an open visit in a fence, with their partition. */
  visitors(tenantId: string, fenceId: string): Promise<DeviceRef[]>;
  /** DWELL timers due at `now` on these telemetry partitions. */
  dueDwells(partitions: readonly number[], now: number, limit: number): Promise<DueDwell[]>;
  /** Moves timers that are not due yet (by the device's time) to the wall-clock time they will be. */
  postponeDwells(dwells: ReadonlyArray<{ dwell: DueDwell; at: number }>): Promise<void>;
  /** Forgets timers that fired or whose visit is gone. */
  clearDwells(dwells: readonly DueDwell[]): Promise<void>;
}

/** A transition ready to publish, with the trace it continues. */
export interface OutgoingTransition {
  tenantId: string;
  deviceId: string;
  transition: Transition;
  traceContext?: Context;
}

/** `geopulse.geofence-events.v1`: deterministic event ids, so a replay writes the same ids. */
export interface TransitionPublisher {
  publish(transitions: readonly OutgoingTransition[]): Promise<void>;
}

/** A visit read back from the transition log: ENTER time, EXIT time once it closed. */
export interface LoggedVisit {
  deviceId: string;
  enteredAt: number;
  exitedAt?: number;
}

/**
 * Geo's own record of ENTER and EXIT per fence (`geopulse-geofence-transitions`), for reports.
 * Writes are idempotent (a replay writes the same items).
 */
export interface TransitionLog {
  record(transitions: readonly OutgoingTransition[]): Promise<void>;
  /** Visits of a fence that started in [enteredFrom, enteredTo); throws REPORT_TOO_LARGE past `limit` items. */
  visits(tenantId: string, fenceId: string, enteredFrom: number, enteredTo: number, limit: number): Promise<LoggedVisit[]>;
}

/** A predicted ENTER to announce, with the trace of the reading it was predicted from. */
export interface OutgoingApproach {
  tenantId: string;
  deviceId: string;
  alert: ApproachAlert;
  /** The fix predicted from. */
  from: { ts: number; lat: number; lon: number };
  traceContext?: Context;
}

/** `io.geopulse.geofence.forecast.v1` on the geofence-events topic; ids deterministic per approach. */
export interface ApproachPublisher {
  publish(approaches: readonly OutgoingApproach[]): Promise<void>;
}
