import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditionalWrite } from '@geopulse/dynamo';
import type { BacktestJob, BacktestJobStore } from '../../application/ports';
import { rulesTables } from './rules.repository';

const WEEK_S = 7 * 24 * 3600;

/**
 * Backtest jobs in `geopulse-rule-backtests` (tenantId, jobId), readable by every replica.
 * Every write after the create is conditional on the writer still owning the job, so a replica
 * that was presumed dead and comes back cannot overwrite its successor's work.
 */
export class DynamoBacktestJobStore implements BacktestJobStore {
  private readonly table: string;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    prefix: string,
    private readonly clock: () => number,
  ) {
    this.table = rulesTables(prefix).backtests.name;
  }

  private expiry(): number {
    return Math.floor(this.clock() / 1000) + WEEK_S;
  }

  async create(job: BacktestJob): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { ...job, expiresAt: this.expiry() }, ConditionExpression: 'attribute_not_exists(jobId)' }));
  }

  async get(tenantId: string, jobId: string): Promise<BacktestJob | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: { tenantId, jobId }, ConsistentRead: true }));
    if (!Item) return undefined;
    const { expiresAt: _e, ...job } = Item;
    return job as BacktestJob;
  }

  update(tenantId: string, jobId: string, owner: string, change: Partial<Pick<BacktestJob, 'status' | 'progress' | 'result' | 'error' | 'heartbeatAt'>>): Promise<boolean> {
    const names: Record<string, string> = { '#owner': 'owner', '#u': 'updatedAt', '#x': 'expiresAt' };
    const values: Record<string, unknown> = { ':owner': owner, ':running': 'RUNNING', ':u': new Date(this.clock()).toISOString(), ':x': this.expiry() };
    const sets = ['#u = :u', '#x = :x'];
    for (const [key, value] of Object.entries(change)) {
      if (value === undefined) continue;
      names[`#${key}`] = key;
      values[`:${key}`] = value;
      sets.push(`#${key} = :${key}`);
    }
    names['#status'] = 'status';
    return conditionalWrite(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { tenantId, jobId },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#owner = :owner AND #status = :running',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  takeOver(tenantId: string, jobId: string, staleHeartbeatAt: number, owner: string, now: number): Promise<boolean> {
    return conditionalWrite(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { tenantId, jobId },
          UpdateExpression: 'SET #owner = :owner, heartbeatAt = :now, attempts = attempts + :one, progress.devicesDone = :zero, progress.readings = :zero',
          ConditionExpression: '#status = :running AND heartbeatAt = :stale',
          ExpressionAttributeNames: { '#owner': 'owner', '#status': 'status' },
          ExpressionAttributeValues: { ':owner': owner, ':now': now, ':one': 1, ':zero': 0, ':running': 'RUNNING', ':stale': staleHeartbeatAt },
        }),
      ),
    );
  }
}
