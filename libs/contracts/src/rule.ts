/**
 * Rules and alerts (ARCHITECTURE.md, "Rules"): the resource of `/v1/rules`, the data of
 * `io.geopulse.rule.changed.v1` on the compacted `geopulse.rules.v1` (key
 * `<tenantId>:<ruleId>`, a tombstone on delete) and of `io.geopulse.alert.v1` on
 * `geopulse.alerts.v1` (key `<tenantId>:<deviceId>`).
 */
import type { MetricValue, Position } from './reading';

export type RuleStatus = 'ACTIVE' | 'INACTIVE';
export type Severity = 'INFO' | 'WARNING' | 'CRITICAL';
export const SEVERITIES: readonly Severity[] = ['INFO', 'WARNING', 'CRITICAL'];

/** Which devices a rule applies to; absent or empty means every device of the tenant. */
export interface RuleTarget {
  deviceIds?: string[];
  /** Devices whose registry tags (e.g. `building:hq`) include every one listed. */
  tags?: string[];
}

/** What an operator sends. */
export interface RuleInput {
  id?: string;
  name: string;
  expression: string;
  status?: RuleStatus;
  severity?: Severity;
  target?: RuleTarget;
  /** ISO-8601 duration the condition must hold before START, e.g. `PT5M`; default `PT0S`. */
  for?: string;
}

/** A stored rule. */
export interface Rule extends Required<Omit<RuleInput, 'target'>> {
  id: string;
  tenantId: string;
  target: RuleTarget;
  /** Increases with every change; replicas apply only newer versions. */
  version: number;
  createdAt: string;
  updatedAt: string;
  /** `sub` of the operator token that created it (absent on records written before this was kept). */
  createdBy?: string;
  /** `sub` of the operator token that last changed it (or deleted it, on a tombstone). */
  updatedBy?: string;
  /** The last evaluation error, if any, and how many there were. */
  lastError?: { message: string; at: string; deviceId?: string };
  errorCount?: number;
}

/** Data of `io.geopulse.rule.changed.v1` (a tombstone carries no data). */
export interface RuleChangedData {
  rule: Rule;
}

export function ruleRecordKey(tenantId: string, ruleId: string): string {
  return `${tenantId}:${ruleId}`;
}

export type AlertTransition = 'START' | 'STOP';
/**
 * The status of an alert event: an episode's START or STOP, or INSUFFICIENT_DATA when a rule
 * that could be evaluated no longer can (a metric it needs stopped coming, or it fails): once
 * per change, never per reading, and never for an open episode (that stays open until the
 * condition is seen false).
 */
export type AlertStatus = AlertTransition | 'INSUFFICIENT_DATA';

export interface TriggeringReading {
  id: string;
  ts: string;
  metrics?: Record<string, MetricValue>;
  position?: Position;
}

/** Data of `io.geopulse.alert.v1`. */
export interface AlertEventData {
  tenantId: string;
  /** One id per episode of (rule, device): START and STOP of an episode share it. */
  alertId: string;
  ruleId: string;
  ruleName: string;
  ruleVersion: number;
  deviceId: string;
  status: AlertStatus;
  severity: Severity;
  /** When the transition happened (event time of the reading, or the timer's time). */
  at: string;
  reason: string;
  triggeringReadings: TriggeringReading[];
  /** Trace id of the reading (or timer) that caused the transition. */
  traceId?: string;
}

/**
 * The CloudEvent id of an alert transition: the same transition always has the same id. An
 * episode has one START and one STOP; INSUFFICIENT_DATA can happen more than once between
 * episodes, so its id also carries its event time.
 */
export function alertEventId(alertId: string, status: AlertStatus, at?: string): string {
  return status === 'INSUFFICIENT_DATA' ? `${alertId}:${status}:${at ?? ''}` : `${alertId}:${status}`;
}

/** An alert record that does not have the shape of `io.geopulse.alert.v1`'s data. */
export class InvalidAlertEvent extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'InvalidAlertEvent';
  }
}

/**
 * The data of an `io.geopulse.alert.v1` record as the rules service publishes it (START and
 * STOP); throws InvalidAlertEvent naming the first field that is wrong.
 */
export function parseAlertEventData(data: unknown): AlertEventData {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InvalidAlertEvent('data must be an object');
  const d = data as Record<string, unknown>;
  for (const field of ['tenantId', 'alertId', 'ruleId', 'ruleName', 'deviceId', 'at', 'reason'] as const) {
    if (typeof d[field] !== 'string' || d[field] === '') throw new InvalidAlertEvent(`/${field} must be a non-empty string`);
  }
  if (d.status !== 'START' && d.status !== 'STOP' && d.status !== 'INSUFFICIENT_DATA') throw new InvalidAlertEvent('/status must be START, STOP or INSUFFICIENT_DATA');
  if (!SEVERITIES.includes(d.severity as Severity)) throw new InvalidAlertEvent(`/severity must be one of ${SEVERITIES.join(', ')}`);
  if (typeof d.ruleVersion !== 'number' || !Number.isInteger(d.ruleVersion)) throw new InvalidAlertEvent('/ruleVersion must be an integer');
  if (Number.isNaN(Date.parse(d.at as string))) throw new InvalidAlertEvent('/at must be an RFC 3339 time');
  if (!Array.isArray(d.triggeringReadings)) throw new InvalidAlertEvent('/triggeringReadings must be an array');
  if (d.traceId !== undefined && typeof d.traceId !== 'string') throw new InvalidAlertEvent('/traceId must be a string');
  return data as AlertEventData;
}
