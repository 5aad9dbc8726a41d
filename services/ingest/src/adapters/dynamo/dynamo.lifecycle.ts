import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoSettings } from '@geopulse/config';
import { ensureDeviceTables } from './device.repository';
import { DYNAMO, DYNAMO_SETTINGS } from '../../application/tokens';


/** Creates the device tables when missing (local and test setups), closes the client on shutdown. */
@Injectable()
export class DeviceTablesLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(DYNAMO) private readonly dynamo: { client: DynamoDBClient },
    @Inject(DYNAMO_SETTINGS) private readonly settings: DynamoSettings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await ensureDeviceTables(this.dynamo.client, this.settings.tablePrefix);
  }

  onApplicationShutdown(): void {
    this.dynamo.client.destroy();
  }
}
