/**
 * One parser per consumed topic. Readings use the contract's parser; geofence transitions and
 * rule changes get a minimal structural check here (the contract defines their types only).
 */
import { EVENT_TYPES, ID_PATTERN, type GeofenceTransitionData, type Rule, type RuleChangedData } from '@geopulse/contracts';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseGeofenceTransition(data: unknown): GeofenceTransitionData {
  if (!isRecord(data)) throw new Error('geofence transition data must be an object');
  const { tenantId, deviceId, geofenceId, transition, at } = data;
  if (typeof tenantId !== 'string' || !ID_PATTERN.test(tenantId)) throw new Error('geofence transition has no valid tenantId');
  if (typeof deviceId !== 'string' || !ID_PATTERN.test(deviceId)) throw new Error('geofence transition has no valid deviceId');
  if (typeof geofenceId !== 'string' || geofenceId.length === 0) throw new Error('geofence transition has no geofenceId');
  if (transition !== 'ENTER' && transition !== 'EXIT' && transition !== 'DWELL') throw new Error('transition must be ENTER, EXIT or DWELL');
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) throw new Error('geofence transition has no valid at');
  return data as unknown as GeofenceTransitionData;
}

export function parseRuleChanged(type: string, data: unknown): Rule {
  if (type !== EVENT_TYPES.ruleChanged) throw new Error(`unexpected event type ${type}`);
  if (!isRecord(data) || !isRecord((data as Partial<RuleChangedData>).rule)) throw new Error('rule change carries no rule');
  const rule = (data as unknown as RuleChangedData).rule;
  if (typeof rule.id !== 'string' || typeof rule.tenantId !== 'string' || typeof rule.expression !== 'string' || typeof rule.version !== 'number') {
    throw new Error('rule change lacks id, tenantId, expression or version');
  }
  return rule;
}
