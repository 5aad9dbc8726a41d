import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName } from '@geopulse/contracts';
import { conditionalWrite, decodePageCursor, encodePageCursor, type TableDefinition } from '@geopulse/dynamo';
import type { CommandRepository, TenantSettings, TenantSettingsRepository } from '../../application/ports';
import { isCommandId, type CommandAck, type DeviceCommand } from '../../domain/command';

/** The sparse index of open (queued or delivered) commands by the time the sweep should look at them. */
const OPEN_INDEX = 'open-by-due';
const OPEN = 'open';

export function commandTables(prefix: string): { commands: TableDefinition; settings: TableDefinition } {
  return {
    commands: {
      name: tableName('deviceCommands', prefix),
      partitionKey: 'device',
      sortKey: 'commandId',
      ttlAttribute: 'purgeAt',
      indexes: [{ name: OPEN_INDEX, partitionKey: 'open', sortKey: 'dueAt' }],
    },
    settings: { name: tableName('tenantSettings', prefix), partitionKey: 'tenantId' },
  };
}

type StoredCommand = DeviceCommand & { device: string; open?: string; dueAt?: string; purgeAt: number };

const deviceKey = (tenantId: string, deviceId: string) => `${tenantId}:${deviceId}`;

function fromItem(item: Record<string, unknown>): DeviceCommand & { dueAt?: string } {
  const { device: _d, open: _o, purgeAt: _p, ...command } = item as unknown as StoredCommand;
  return command;
}

/**
 * Commands in `geopulse-device-commands` (device = `<tenant>:<device>`, commandId = UUIDv7, so a
 * device's commands sort by issue time). While a command is open it carries `open` and `dueAt`,
 * which put it in the sparse index the sweep reads; closing it removes both. Every status change
 * is conditional on the status it leaves, so replicas never both win. Items are purged by
 * DynamoDB TTL `purgeAt` (retention).
 */
export class DynamoCommandRepository implements CommandRepository {
  private readonly table: string;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    prefix: string,
    private readonly retentionSeconds: number,
  ) {
    this.table = commandTables(prefix).commands.name;
  }

  async create(command: DeviceCommand, dueAt: string): Promise<void> {
    const purgeAt = Math.floor(Date.parse(command.expiresAt) / 1000) + this.retentionSeconds;
    const item: StoredCommand = { ...command, device: deviceKey(command.tenantId, command.deviceId), open: OPEN, dueAt, purgeAt };
    await this.doc.send(new PutCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(commandId)' }));
  }

  async get(tenantId: string, deviceId: string, commandId: string): Promise<DeviceCommand | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: { device: deviceKey(tenantId, deviceId), commandId }, ConsistentRead: true }));
    if (!Item) return undefined;
    const { dueAt: _due, ...command } = fromItem(Item);
    return command;
  }

  async list(tenantId: string, deviceId: string, limit: number, cursor?: string): Promise<{ items: DeviceCommand[]; nextCursor?: string }> {
    const device = deviceKey(tenantId, deviceId);
    // A cursor that does not hold a command id (tampered, foreign) starts from the newest.
    const decoded = decodePageCursor(cursor)?.c;
    const after = isCommandId(decoded) ? decoded : undefined;
    const { Items, LastEvaluatedKey } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: '#d = :d',
        ExpressionAttributeNames: { '#d': 'device' },
        ExpressionAttributeValues: { ':d': device },
        ScanIndexForward: false,
        Limit: limit,
        ...(after ? { ExclusiveStartKey: { device, commandId: after } } : {}),
      }),
    );
    const last = LastEvaluatedKey?.commandId;
    const items = (Items ?? []).map((item) => {
      const { dueAt: _due, ...command } = fromItem(item);
      return command;
    });
    return { items, ...(typeof last === 'string' ? { nextCursor: encodePageCursor({ c: last }) } : {}) };
  }

  markDelivered(command: DeviceCommand, at: string): Promise<boolean> {
    return this.update(command, 'SET #s = :delivered, deliveredAt = :at, dueAt = :expires', '#s = :queued', { ':delivered': 'delivered', ':at': at, ':expires': command.expiresAt, ':queued': 'queued' });
  }

  acknowledge(tenantId: string, deviceId: string, ack: CommandAck, at: string): Promise<boolean> {
    return conditionalWrite(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { device: deviceKey(tenantId, deviceId), commandId: ack.commandId },
          UpdateExpression: 'SET #s = :acknowledged, acknowledgedAt = :at, #r = :result REMOVE #o, dueAt',
          ConditionExpression: 'attribute_exists(commandId) AND #s IN (:queued, :delivered)',
          ExpressionAttributeNames: { '#s': 'status', '#r': 'result', '#o': 'open' },
          ExpressionAttributeValues: {
            ':acknowledged': 'acknowledged',
            ':at': at,
            ':result': { status: ack.status, ...(ack.detail !== undefined ? { detail: ack.detail } : {}) },
            ':queued': 'queued',
            ':delivered': 'delivered',
          },
        }),
      ),
    );
  }

  async due(now: string, limit: number): Promise<Array<DeviceCommand & { dueAt: string }>> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: OPEN_INDEX,
        KeyConditionExpression: '#o = :open AND dueAt <= :now',
        ExpressionAttributeNames: { '#o': 'open' },
        ExpressionAttributeValues: { ':open': OPEN, ':now': now },
        Limit: limit,
      }),
    );
    return (Items ?? []).map((item) => fromItem(item) as DeviceCommand & { dueAt: string });
  }

  expire(command: DeviceCommand, at: string): Promise<boolean> {
    return this.update(command, 'SET #s = :expired, expiredAt = :at REMOVE #o, dueAt', '#s IN (:queued, :delivered) AND expiresAt <= :at', {
      ':expired': 'expired',
      ':at': at,
      ':queued': 'queued',
      ':delivered': 'delivered',
    });
  }

  claimRetry(command: DeviceCommand, dueAt: string, nextDueAt: string): Promise<boolean> {
    return this.update(command, 'SET dueAt = :next, attempts = attempts + :one', '#s = :queued AND dueAt = :due', { ':next': nextDueAt, ':one': 1, ':queued': 'queued', ':due': dueAt });
  }

  private update(command: DeviceCommand, expression: string, condition: string, values: Record<string, unknown>): Promise<boolean> {
    const names: Record<string, string> = { '#s': 'status' };
    if (expression.includes('#o')) names['#o'] = 'open';
    return conditionalWrite(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { device: deviceKey(command.tenantId, command.deviceId), commandId: command.commandId },
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }
}

/** Tenant settings in `geopulse-tenant-settings` (tenantId); last write wins. */
export class DynamoTenantSettingsRepository implements TenantSettingsRepository {
  private readonly table: string;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    prefix: string,
  ) {
    this.table = commandTables(prefix).settings.name;
  }

  async get(tenantId: string): Promise<TenantSettings | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: { tenantId }, ConsistentRead: true }));
    return Item as TenantSettings | undefined;
  }

  async put(settings: TenantSettings): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.table, Item: settings }));
  }
}
