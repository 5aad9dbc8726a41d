import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoSettings } from '@geopulse/config';
import { ensureTable } from '@geopulse/dynamo';
import { commandTables } from './command.repository';
import { ensureDeviceTables } from './device.repository';
import { DYNAMO, DYNAMO_SETTINGS } from '../../application/tokens';


/** Creates the device, command and tenant-settings tables when missing (local and test setups), closes the client on shutdown. */
@Injectable()
export class DeviceTablesLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(DYNAMO) private readonly dynamo: { client: DynamoDBClient },
    @Inject(DYNAMO_SETTINGS) private readonly settings: DynamoSettings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await ensureDeviceTables(this.dynamo.client, this.settings.tablePrefix);
    const tables = commandTables(this.settings.tablePrefix);
    await ensureTable(this.dynamo.client, tables.commands);
    await ensureTable(this.dynamo.client, tables.settings);
  }

  onApplicationShutdown(): void {
    this.dynamo.client.destroy();
  }
}
