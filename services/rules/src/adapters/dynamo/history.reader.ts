import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName, type MetricValue, type Position } from '@geopulse/contracts';
import type { DeviceInfo } from '../../domain/evaluation';
import type { HistoryReading } from '../../domain/device-history';
import type { DeviceCatalog, ReadingHistory } from '../../application/ports';

const PAGE = 1000;

interface ReadingItem {
  id: string;
  ts: string;
  metrics?: Record<string, MetricValue>;
  position?: Position;
}

/**
 * The aggregator's readings table (decision 0202 keys: `pk` = `<tenant>#<device>`, `sk` =
 * `<event time ISO>#<reading id>`), read only, the way decision 0104 reads the registry
 * (decision 0403). A missing table (no aggregator has run) reads as no history.
 */
export class DynamoReadingHistory implements ReadingHistory {
  private readonly table: string;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    prefix: string,
  ) {
    this.table = tableName('readings', prefix);
  }

  async readings(tenantId: string, deviceId: string, from: number, to: number, limit: number): Promise<{ readings: HistoryReading[]; truncated: boolean }> {
    const out: HistoryReading[] = [];
    let start: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.doc.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: { ':pk': `${tenantId}#${deviceId}`, ':from': new Date(from).toISOString(), ':to': `${new Date(to).toISOString()}#\uffff` },
            // Reserved words (metrics, position, ...) need placeholders.
            ProjectionExpression: '#i, #t, #m, #p',
            ExpressionAttributeNames: { '#i': 'id', '#t': 'ts', '#m': 'metrics', '#p': 'position' },
            Limit: Math.min(PAGE, limit + 1 - out.length),
            ExclusiveStartKey: start,
          }),
        );
        for (const item of (page.Items ?? []) as ReadingItem[]) {
          out.push({ id: item.id, ts: Date.parse(item.ts), ...(item.metrics ? { metrics: item.metrics } : {}), ...(item.position ? { position: item.position } : {}) });
        }
        start = page.LastEvaluatedKey;
      } while (start && out.length <= limit);
    } catch (err) {
      if ((err as Error).name === 'ResourceNotFoundException') return { readings: [], truncated: false };
      throw err;
    }
    const readings = out.filter((r) => r.ts >= from && r.ts <= to).sort((a, b) => a.ts - b.ts || a.id.localeCompare(b.id));
    return readings.length > limit ? { readings: readings.slice(0, limit), truncated: true } : { readings, truncated: false };
  }
}

/** The registry's devices of a tenant (read only, decision 0104), for backtest targets by tag. */
export class DynamoDeviceCatalog implements DeviceCatalog {
  private readonly table: string;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    prefix: string,
  ) {
    this.table = tableName('devices', prefix);
  }

  async list(tenantId: string, limit: number): Promise<{ devices: DeviceInfo[]; truncated: boolean }> {
    const devices: DeviceInfo[] = [];
    let start: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.doc.send(new QueryCommand({ TableName: this.table, KeyConditionExpression: 'tenantId = :t', ExpressionAttributeValues: { ':t': tenantId }, ExclusiveStartKey: start }));
        for (const item of page.Items ?? []) {
          devices.push({
            id: String(item.deviceId),
            tags: Array.isArray(item.tags) ? item.tags.map(String) : [],
            attributes: typeof item.attributes === 'object' && item.attributes !== null ? (item.attributes as Record<string, unknown>) : {},
          });
        }
        start = page.LastEvaluatedKey;
      } while (start && devices.length <= limit);
    } catch (err) {
      if ((err as Error).name === 'ResourceNotFoundException') return { devices: [], truncated: false };
      throw err;
    }
    return devices.length > limit ? { devices: devices.slice(0, limit), truncated: true } : { devices, truncated: false };
  }
}
