/**
 * Rule changes get a minimal structural check here; readings, geofence transitions and alerts
 * use the contract's own parsers (libs/contracts), shared with every other consumer.
 */
import { EVENT_TYPES, isRecord, type Rule, type RuleChangedData } from '@geopulse/contracts';

export function parseRuleChanged(type: string, data: unknown): Rule {
  if (type !== EVENT_TYPES.ruleChanged) throw new Error(`unexpected event type ${type}`);
  if (!isRecord(data) || !isRecord((data as Partial<RuleChangedData>).rule)) throw new Error('rule change carries no rule');
  const rule = (data as unknown as RuleChangedData).rule;
  if (typeof rule.id !== 'string' || typeof rule.tenantId !== 'string' || typeof rule.expression !== 'string' || typeof rule.version !== 'number') {
    throw new Error('rule change lacks id, tenantId, expression or version');
  }
  return rule;
}
