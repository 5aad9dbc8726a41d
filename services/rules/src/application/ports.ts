/** What the use cases need from the outside; adapters/ implement these. */
import type { AlertEventData, AlertTransition, Rule, Severity } from '@geopulse/contracts';
import type { AlertState } from '../domain/alert-lifecycle';
import type { DeviceHistory } from '../domain/device-history';
import type { DeviceInfo } from '../domain/evaluation';

export type Clock = () => number;

/** A rule row; deleted rules stay as a marker with their last version so reconciliation is ordered. */
export type StoredRule = Rule & { deleted?: boolean };

export class RuleVersionConflict extends Error {
  constructor(ruleId: string) {
    super(`rule ${ruleId} was changed concurrently`);
    this.name = 'RuleVersionConflict';
  }
}

export interface RuleRepository {
  get(tenantId: string, ruleId: string): Promise<StoredRule | undefined>;
  list(tenantId: string): Promise<Rule[]>;
  /** Every row of every tenant, deleted markers included (reconciliation). */
  scanAll(): Promise<StoredRule[]>;
  /** Writes when the stored version is `expectedVersion` (undefined: the rule must not exist). */
  put(rule: StoredRule, expectedVersion: number | undefined): Promise<void>;
  recordErrors(tenantId: string, ruleId: string, error: { message: string; at: string; deviceId?: string }, count: number): Promise<void>;
}

export interface RuleChangePublisher {
  publish(rule: Rule): Promise<void>;
  publishDeleted(tenantId: string, ruleId: string): Promise<void>;
}

export interface OutgoingAlert {
  data: AlertEventData;
  /** traceparent of the reading whose trace the alert continues. */
  traceparent?: string;
}

export interface AlertPublisher {
  publish(alerts: readonly OutgoingAlert[]): Promise<void>;
}

export type AlertRecordStatus = 'FIRING' | 'RESOLVED';

export interface AlertRecord {
  tenantId: string;
  alertId: string;
  ruleId: string;
  ruleName: string;
  deviceId: string;
  severity: Severity;
  status: AlertRecordStatus;
  startedAt: string;
  startReason: string;
  endedAt?: string;
  stopReason?: string;
  triggeringReadings: AlertEventData['triggeringReadings'];
  traceId?: string;
}

export interface AlertFilter {
  status?: AlertRecordStatus;
  deviceId?: string;
  ruleId?: string;
  limit: number;
}

export interface AlertRepository {
  /** Idempotent: START creates the FIRING record, STOP resolves it; replays change nothing. */
  record(alerts: readonly AlertEventData[]): Promise<void>;
  list(tenantId: string, filter: AlertFilter): Promise<AlertRecord[]>;
}

/** Alert state of one (rule, device), with the rule version it was computed for. */
export type RuleAlertState = AlertState & { ruleVersion?: number };

export interface DeviceState {
  /** Compare-and-set revision. */
  rev: number;
  history: DeviceHistory;
  alerts: Record<string, RuleAlertState>;
}

export interface DeviceStateChange {
  history: DeviceHistory;
  /** Changed alert states by rule id; `null` removes it. */
  alerts: Record<string, RuleAlertState | null>;
  /** Rule ids whose episode opened (true) or closed (false) for this device. */
  firing: Record<string, boolean>;
  /** When set, the device's timer is due at this time in this partition's timer queue. */
  timer?: { partition: number; dueAt: number } | { partition: number; cancel: true };
  /** How long the state lives without a change. */
  ttlMs: number;
}

export interface DeviceRef {
  tenantId: string;
  deviceId: string;
}

export interface DeviceStateWrite extends DeviceRef {
  rev: number;
  change: DeviceStateChange;
}

export interface DeviceStateStore {
  load(tenantId: string, deviceId: string): Promise<DeviceState>;
  /** The states of a batch's devices, in one round trip where the store can. */
  loadMany(devices: readonly DeviceRef[]): Promise<DeviceState[]>;
  /** Writes if the revision is still `rev`; false when another writer came first. */
  save(tenantId: string, deviceId: string, rev: number, change: DeviceStateChange): Promise<boolean>;
  /** Each write a compare-and-set as `save`, all in one round trip where the store can; true per write that won. */
  saveMany(writes: readonly DeviceStateWrite[]): Promise<boolean[]>;
  /** Devices whose episode of a rule is open. */
  firingDevices(tenantId: string, ruleId: string): Promise<string[]>;
  /** Devices whose timers are due, in a partition's queue. */
  dueTimers(partition: number, now: number, limit: number): Promise<Array<{ tenantId: string; deviceId: string }>>;
  /** At most one replica (of this deployment) gets the lease of a job until it expires. */
  lease(name: string, ttlMs: number): Promise<boolean>;
}

export interface DeviceDirectory {
  get(tenantId: string, deviceId: string): Promise<DeviceInfo>;
}

export type { AlertTransition };
