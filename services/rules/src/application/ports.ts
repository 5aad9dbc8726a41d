/** What the use cases need from the outside; adapters/ implement these. */
import type { AlertEventData, AlertTransition, Rule, Severity } from '@geopulse/contracts';
import type { DeviceReplay, Episode } from '../domain/backtest';
import type { AlertState } from '../domain/alert-lifecycle';
import type { DeviceHistory, HistoryReading } from '../domain/device-history';
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
  /** The rule version that started the episode (absent on records written before it was kept). */
  ruleVersion?: number;
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
  get(tenantId: string, alertId: string): Promise<AlertRecord | undefined>;
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

/** The aggregator's stored readings (decision 0403: read-only, as the registry is). */
export interface ReadingHistory {
  /** Readings of a device with from <= event time <= to, ascending; at most `limit`, `truncated` when there were more. */
  readings(tenantId: string, deviceId: string, from: number, to: number, limit: number): Promise<{ readings: HistoryReading[]; truncated: boolean }>;
}

/** Devices of a tenant in the registry (with tags), for targets that are not a list of ids. */
export interface DeviceCatalog {
  list(tenantId: string, limit: number): Promise<{ devices: DeviceInfo[]; truncated: boolean }>;
}

export type BacktestJobStatus = 'RUNNING' | 'DONE' | 'FAILED';

export interface BacktestResult {
  from: string;
  to: string;
  devices: Array<Pick<DeviceReplay, 'deviceId' | 'readings' | 'evaluations'> & { episodes: number; insufficientData: number }>;
  episodes: Episode[];
  /** True when more episodes happened than the result keeps (counts per device are complete). */
  episodesTruncated: boolean;
  totals: { devices: number; readings: number; evaluations: number; episodes: number };
}

export interface BacktestJob {
  tenantId: string;
  jobId: string;
  status: BacktestJobStatus;
  /** The request as accepted (rule, devices, range): enough to run it again. */
  request: BacktestRequestRecord;
  progress: { devicesDone: number; devicesTotal: number; readings: number };
  /** Replica running it, and when it last said so. */
  owner: string;
  heartbeatAt: number;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  result?: BacktestResult;
  error?: { code: string; message: string; bound?: string };
}

export interface BacktestRequestRecord {
  rule: Record<string, unknown>;
  deviceIds: string[];
  from: number;
  to: number;
}

export interface BacktestJobStore {
  create(job: BacktestJob): Promise<void>;
  get(tenantId: string, jobId: string): Promise<BacktestJob | undefined>;
  /** Writes progress, the result or the failure while `owner` still owns the job; false when it does not. */
  update(tenantId: string, jobId: string, owner: string, change: Partial<Pick<BacktestJob, 'status' | 'progress' | 'result' | 'error' | 'heartbeatAt'>>): Promise<boolean>;
  /** Takes a job over from an owner that stopped heartbeating (compare-and-set on its heartbeat). */
  takeOver(tenantId: string, jobId: string, staleHeartbeatAt: number, owner: string, now: number): Promise<boolean>;
}
