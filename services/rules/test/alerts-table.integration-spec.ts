import { randomUUID } from 'node:crypto';
import { dynamoSettings } from '@geopulse/config';
import type { AlertEventData } from '@geopulse/contracts';
import { createDynamoClients, ensureTable } from '@geopulse/dynamo';
import { DynamoAlertRepository } from '../src/adapters/dynamo/alerts.repository';
import { rulesTables } from '../src/adapters/dynamo/rules.repository';

// The alerts table against DynamoDB Local: a START and its STOP consumed in one batch must
// leave the episode as the START described it (a regression: written concurrently, the STOP
// could create the item first with its own time as startedAt, and the START was then refused).
describe('the alerts table', () => {
  it('keeps each episode\'s START (time, reason, readings) when its START and STOP arrive in one batch', async () => {
    const prefix = `it-alerts-${randomUUID().slice(0, 6)}.`;
    const { client, doc } = createDynamoClients(dynamoSettings(process.env));
    await ensureTable(client, rulesTables(prefix).alerts);
    const repo = new DynamoAlertRepository(doc, prefix);
    const tenantId = `t-${randomUUID().slice(0, 6)}`;
    const transition = (i: number, status: 'START' | 'STOP'): AlertEventData => ({
      tenantId, alertId: `${tenantId}:hot:d-${i}:1`, ruleId: 'hot', ruleName: 'Hot', ruleVersion: 1, deviceId: `d-${i}`, status, severity: 'WARNING',
      at: new Date(Date.UTC(2026, 10, 30, 10, 0, status === 'START' ? 0 : 30)).toISOString(),
      reason: status === 'START' ? 'condition holds' : 'condition no longer holds',
      triggeringReadings: status === 'START' ? [{ id: `r-${i}`, ts: '2026-11-30T10:00:00.000Z', metrics: { temperature: 40 } }] : [],
    });
    const episodes = 120;
    await repo.record(Array.from({ length: episodes }, (_, i) => [transition(i, 'START'), transition(i, 'STOP')]).flat());
    const stored = await Promise.all(Array.from({ length: episodes }, (_, i) => repo.get(tenantId, `${tenantId}:hot:d-${i}:1`)));
    const wrong = stored.filter((a) => a?.startedAt !== '2026-11-30T10:00:00.000Z' || a.startReason !== 'condition holds' || a.status !== 'RESOLVED' || a.triggeringReadings.length !== 1);
    expect(wrong).toEqual([]);
    expect(stored.every((a) => a?.endedAt === '2026-11-30T10:00:30.000Z')).toBe(true);
  });
});
