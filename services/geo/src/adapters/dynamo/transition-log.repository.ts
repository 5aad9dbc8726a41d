import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName } from '@geopulse/contracts';
import { batchPut, type TableDefinition } from '@geopulse/dynamo';
import { GeofenceError } from '../../domain/geofence-error';
import type { LoggedVisit, OutgoingTransition, TransitionLog } from '../../application/ports';

export const transitionLogTable = (prefix: string): TableDefinition => ({
  name: tableName('geofenceTransitions', prefix),
  partitionKey: 'fenceKey',
  sortKey: 'visitKey',
  ttlAttribute: 'expiresAt',
});

/** Epoch ms as 15 digits, so that sort keys order as times. */
const pad = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(15, '0');

interface Item {
  fenceKey: string;
  visitKey: string;
  deviceId: string;
  transition: 'ENTER' | 'EXIT';
  enteredAt: number;
  at: number;
  reason: string;
  expiresAt: number;
}

/**
 * `geopulse-geofence-transitions`: partition `<tenantId>#<fenceId>`, sort key
 * `<visit start ms>#<deviceId>#<ENTER|EXIT>`, so one Query over visit start times returns both
 * ends of every visit together; puts are idempotent (a replayed transition has the same key).
 * Items expire after the retention (DynamoDB TTL).
 */
export class DynamoTransitionLog implements TransitionLog {
  private readonly table: string;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    prefix: string,
    private readonly retentionMs: number,
  ) {
    this.table = transitionLogTable(prefix).name;
  }

  async record(transitions: readonly OutgoingTransition[]): Promise<void> {
    const items: Item[] = [];
    for (const { tenantId, deviceId, transition: t } of transitions) {
      if (t.transition !== 'ENTER' && t.transition !== 'EXIT') continue;
      items.push({
        fenceKey: `${tenantId}#${t.fenceId}`,
        visitKey: `${pad(t.visitStartedAt)}#${deviceId}#${t.transition}`,
        deviceId,
        transition: t.transition,
        enteredAt: t.visitStartedAt,
        at: t.at,
        reason: t.reason,
        expiresAt: Math.floor((t.at + this.retentionMs) / 1000),
      });
    }
    await batchPut(this.doc, this.table, items as unknown as Array<Record<string, unknown>>);
  }

  async visits(tenantId: string, fenceId: string, enteredFrom: number, enteredTo: number, limit: number): Promise<LoggedVisit[]> {
    const visits = new Map<string, LoggedVisit>();
    let read = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          // Sort keys of visits starting at enteredTo begin with pad(enteredTo)#, which sorts after pad(enteredTo).
          KeyConditionExpression: 'fenceKey = :f AND visitKey BETWEEN :lo AND :hi',
          ExpressionAttributeValues: { ':f': `${tenantId}#${fenceId}`, ':lo': pad(enteredFrom), ':hi': pad(enteredTo) },
          ExclusiveStartKey: start,
        }),
      );
      for (const raw of page.Items ?? []) {
        const item = raw as unknown as Item;
        const key = `${item.enteredAt}#${item.deviceId}`;
        const visit = visits.get(key) ?? { deviceId: item.deviceId, enteredAt: item.enteredAt };
        if (item.transition === 'EXIT') visit.exitedAt = item.at;
        visits.set(key, visit);
      }
      read += page.Items?.length ?? 0;
      if (read > limit) throw new GeofenceError('REPORT_TOO_LARGE', `more than ${limit} transitions in the range; ask for a shorter range`);
      start = page.LastEvaluatedKey;
    } while (start);
    return [...visits.values()];
  }
}
