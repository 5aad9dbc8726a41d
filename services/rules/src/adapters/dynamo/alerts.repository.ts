import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AlertEventData } from '@geopulse/contracts';
import { conditionalWrite } from '@geopulse/dynamo';
import { inParallel } from '../../application/in-parallel';
import type { AlertFilter, AlertRecord, AlertRepository } from '../../application/ports';
import { rulesTables } from './rules.repository';

/**
 * Alerts in `geopulse-alerts` (tenantId, alertId = one episode). START creates the FIRING item
 * only if absent; STOP sets RESOLVED (creating it if the START item was lost). Replays of either
 * change nothing.
 */
export class DynamoAlertRepository implements AlertRepository {
  private readonly table: string;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    prefix: string,
  ) {
    this.table = rulesTables(prefix).alerts.name;
  }

  /**
   * Episodes in parallel, each episode's transitions in topic order: a START and its STOP in
   * one batch written concurrently could let the STOP create the item first (startedAt = the
   * STOP's time) and the START's put then be refused as a replay.
   */
  async record(alerts: readonly AlertEventData[]): Promise<void> {
    const episodes = new Map<string, AlertEventData[]>();
    for (const alert of alerts) {
      const list = episodes.get(alert.alertId);
      if (list) list.push(alert);
      else episodes.set(alert.alertId, [alert]);
    }
    await inParallel([...episodes.values()], 32, async (transitions) => {
      for (const alert of transitions) await this.recordOne(alert);
    });
  }

  private async recordOne(alert: AlertEventData): Promise<void> {
    if (alert.status === 'START') {
      const item: AlertRecord = {
        tenantId: alert.tenantId,
        alertId: alert.alertId,
        ruleId: alert.ruleId,
        ruleName: alert.ruleName,
        deviceId: alert.deviceId,
        severity: alert.severity,
        status: 'FIRING',
        startedAt: alert.at,
        startReason: alert.reason,
        triggeringReadings: alert.triggeringReadings,
        ...(alert.traceId ? { traceId: alert.traceId } : {}),
        ruleVersion: alert.ruleVersion,
      };
      // The START is stored once; a replayed START leaves the stored episode as it is.
      await conditionalWrite(() => this.doc.send(new PutCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(alertId)' })));
    } else {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { tenantId: alert.tenantId, alertId: alert.alertId },
          UpdateExpression:
            'SET #s = :resolved, endedAt = if_not_exists(endedAt, :at), stopReason = if_not_exists(stopReason, :reason), ruleId = :rule, ruleName = if_not_exists(ruleName, :name), deviceId = :device, severity = if_not_exists(severity, :sev), startedAt = if_not_exists(startedAt, :at), triggeringReadings = if_not_exists(triggeringReadings, :tr)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':resolved': 'RESOLVED', ':at': alert.at, ':reason': alert.reason, ':rule': alert.ruleId, ':name': alert.ruleName,
            ':device': alert.deviceId, ':sev': alert.severity, ':tr': alert.triggeringReadings,
          },
        }),
      );
    }
  }

  async get(tenantId: string, alertId: string): Promise<AlertRecord | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: { tenantId, alertId } }));
    return Item as AlertRecord | undefined;
  }

  async list(tenantId: string, filter: AlertFilter): Promise<AlertRecord[]> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':t': tenantId };
    const conditions: string[] = [];
    if (filter.status) {
      names['#s'] = 'status';
      values[':s'] = filter.status;
      conditions.push('#s = :s');
    }
    if (filter.deviceId) {
      values[':d'] = filter.deviceId;
      conditions.push('deviceId = :d');
    }
    if (filter.ruleId) {
      values[':r'] = filter.ruleId;
      conditions.push('ruleId = :r');
    }
    const out: AlertRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'tenantId = :t',
          ...(conditions.length > 0 ? { FilterExpression: conditions.join(' AND ') } : {}),
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
          ExclusiveStartKey: start,
        }),
      );
      out.push(...((page.Items ?? []) as AlertRecord[]));
      start = page.LastEvaluatedKey;
    } while (start && out.length < filter.limit);
    return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, filter.limit);
  }
}
