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
  status: AlertTransition;
  severity: Severity;
  /** When the transition happened (event time of the reading, or the timer's time). */
  at: string;
  reason: string;
  triggeringReadings: TriggeringReading[];
  /** Trace id of the reading (or timer) that caused the transition. */
  traceId?: string;
}

/** The CloudEvent id of an alert transition: the same transition always has the same id. */
export function alertEventId(alertId: string, status: AlertTransition): string {
  return `${alertId}:${status}`;
}
