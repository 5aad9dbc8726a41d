import { Inject, Injectable, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { createDynamoClients, pingDynamo, RegistryDeviceDirectory } from '@geopulse/dynamo';
import { EventProducer } from '@geopulse/kafka';
import type { ComponentLogger, JsonLogger } from '@geopulse/observability';
import type { RedisClient } from '@geopulse/redis';
import { LOGGER, PlatformModule, REDIS } from '@geopulse/service-runtime';
import { AggregateWindows } from './application/aggregate-windows';
import { ApplyReadings, type Clock, type DeviceStateStore } from './application/apply-readings';
import { AGGREGATOR_SETTINGS, CLOCK, DEVICE_STATE_STORE, HISTORY_STORE } from './application/tokens';
import { LocateDevices } from './application/locate-devices';
import { QueryDevices } from './application/query-devices';
import { DynamoHistoryStore } from './adapters/dynamo/history.store';
import { DevicesController } from './adapters/http/devices.controller';
import { KafkaAggregatePublisher } from './adapters/kafka/aggregates.producer';
import { HISTORY_CONSUMER, HISTORY_GROUP_ID, HistoryConsumer } from './adapters/kafka/history.consumer';
import { AGGREGATOR_GROUP_ID, IdleDeviceTicker, ReadingsConsumer, TELEMETRY_CONSUMER } from './adapters/kafka/readings.consumer';
import { RedisDeviceStateStore } from './adapters/redis/device-state.store';
import { RedisWindowStore } from './adapters/redis/window.store';
import type { AggregatorConfig } from './config';

/** Creates the history tables at start-up (writes wait for it too), logging instead of crashing while DynamoDB is away. */
@Injectable()
class HistoryTables implements OnApplicationBootstrap {
  private readonly log: ComponentLogger;
  constructor(
    @Inject(HISTORY_STORE) private readonly history: DynamoHistoryStore,
    @Inject(LOGGER) logger: JsonLogger,
  ) {
    this.log = logger.child('history');
  }

  onApplicationBootstrap(): void {
    this.history.ensureTables().catch((err: Error) => this.log.warn('history tables not ready yet; writes will retry', { error: err.message }));
  }
}

export function aggregatorModule(config: AggregatorConfig, logger: JsonLogger): DynamicModule {
  const settings = config.aggregator;
  // A device's live window state outlives its last change by its silence horizon (its open windows close after the idle time).
  const windowRetentionMs = settings.silentHorizonMs + settings.deviceIdleMs + settings.windowMs;
  const dynamo = createDynamoClients(config.dynamo);
  const history = new DynamoHistoryStore(dynamo.client, dynamo.doc, config.dynamo, settings.historyTtlSeconds, settings.historyQueryPageItems, settings.historyWriteConcurrency);
  return PlatformModule.register({
    service: 'aggregator',
    logger,
    kafka: config.kafka,
    auth: config.auth,
    redisUrl: config.redisUrl,
    controllers: [DevicesController, ReadingsConsumer, HistoryConsumer],
    // Two groups on the telemetry topic: live state and windows, and the raw history off that path (decision 0203).
    consumers: { useFactory: () => ({ [TELEMETRY_CONSUMER]: { groupId: AGGREGATOR_GROUP_ID }, [HISTORY_CONSUMER]: { groupId: HISTORY_GROUP_ID } }) },
    providers: [
      { provide: CLOCK, useValue: (() => Date.now()) satisfies Clock },
      { provide: AGGREGATOR_SETTINGS, useValue: settings },
      { provide: HISTORY_STORE, useValue: history },
      HistoryTables,
      { provide: DEVICE_STATE_STORE, useFactory: (redis: RedisClient) => new RedisDeviceStateStore(redis, settings.silentHorizonMs), inject: [REDIS] },
      { provide: ApplyReadings, useFactory: (store: DeviceStateStore, clock: Clock) => new ApplyReadings(store, clock), inject: [DEVICE_STATE_STORE, CLOCK] },
      {
        provide: AggregateWindows,
        useFactory: (redis: RedisClient, producer: EventProducer, clock: Clock) =>
          new AggregateWindows(new RedisWindowStore(redis, windowRetentionMs), new KafkaAggregatePublisher(producer), history, { ...settings, archiveMs: settings.historyTtlSeconds * 1000 }, clock),
        inject: [REDIS, EventProducer, CLOCK],
      },
      {
        provide: LocateDevices,
        useFactory: (store: DeviceStateStore, clock: Clock) => {
          // Registry tags change rarely; a replica re-reads a device's tags after 30 s.
          const directory = new RegistryDeviceDirectory(dynamo.doc, config.dynamo.tablePrefix, 30_000, clock);
          return new LocateDevices(store, { tagsOf: async (tenantId, deviceId) => (await directory.get(tenantId, deviceId)).tags }, clock);
        },
        inject: [DEVICE_STATE_STORE, CLOCK],
      },
      {
        provide: QueryDevices,
        useFactory: (store: DeviceStateStore, locate: LocateDevices, clock: Clock) => new QueryDevices(store, history, locate, clock),
        inject: [DEVICE_STATE_STORE, LocateDevices, CLOCK],
      },
      IdleDeviceTicker,
    ],
    readiness: { inject: [], useFactory: () => [{ name: 'dynamodb', check: () => pingDynamo(dynamo.client) }] },
  });
}
