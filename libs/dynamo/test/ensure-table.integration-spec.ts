import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoSettings } from '@geopulse/config';
import { createDynamoClients, ensureTable, pingDynamo } from '../src';

const settings = () => dynamoSettings(process.env);

describe('DynamoDB provisioning against DynamoDB Local', () => {
  it('creates a table with keys, an index and TTL, idempotently, and stores items', async () => {
    const { client, doc } = createDynamoClients(settings());
    await expect(pingDynamo(client)).resolves.toEqual({ ok: true });
    const name = `it-${randomUUID()}`;
    const def = { name, partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt', indexes: [{ name: 'byTenant', partitionKey: 'tenantId', sortKey: 'sk' }] };

    await ensureTable(client, def);
    await ensureTable(client, def); // a second start finds it and changes nothing

    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byTenant']);
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe('expiresAt');

    await doc.send(new PutCommand({ TableName: name, Item: { pk: 'acme#d1', sk: '2026-11-22T10:00:00.000Z', tenantId: 'acme', t: 48.5, note: undefined } }));
    const { Item } = await doc.send(new GetCommand({ TableName: name, Key: { pk: 'acme#d1', sk: '2026-11-22T10:00:00.000Z' } }));
    expect(Item).toEqual({ pk: 'acme#d1', sk: '2026-11-22T10:00:00.000Z', tenantId: 'acme', t: 48.5 });
    client.destroy();
  });

  it('reports an unreachable endpoint as not ready instead of throwing', async () => {
    const { client } = createDynamoClients({ ...settings(), endpoint: 'http://127.0.0.1:1' });
    const result = await pingDynamo(client);
    expect(result.ok).toBe(false);
    expect(result.error).toBeTruthy();
    client.destroy();
  });
});
