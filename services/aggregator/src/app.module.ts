import type { DynamicModule } from '@nestjs/common';
import type { JsonLogger } from '@geopulse/observability';
import type { RedisClient } from '@geopulse/redis';
import { PlatformModule, REDIS } from '@geopulse/service-runtime';
import { ApplyReadings, type Clock, type DeviceStateStore } from './application/apply-readings';
import { CLOCK, DEVICE_STATE_STORE } from './application/tokens';
import { DevicesController } from './adapters/http/devices.controller';
import { ReadingsConsumer } from './adapters/kafka/readings.consumer';
import { RedisDeviceStateStore } from './adapters/redis/device-state.store';
import type { AggregatorConfig } from './config';

export function aggregatorModule(config: AggregatorConfig, logger: JsonLogger): DynamicModule {
  return PlatformModule.register({
    service: 'aggregator',
    logger,
    kafka: config.kafka,
    auth: config.auth,
    redisUrl: config.redisUrl,
    controllers: [DevicesController],
    providers: [
      { provide: CLOCK, useValue: (() => Date.now()) satisfies Clock },
      { provide: DEVICE_STATE_STORE, useFactory: (redis: RedisClient) => new RedisDeviceStateStore(redis, config.aggregator.silentHorizonMs), inject: [REDIS] },
      { provide: ApplyReadings, useFactory: (store: DeviceStateStore, clock: Clock) => new ApplyReadings(store, clock), inject: [DEVICE_STATE_STORE, CLOCK] },
      ReadingsConsumer,
    ],
    readiness: {
      inject: [ReadingsConsumer],
      useFactory: (consumer: ReadingsConsumer) => [
        { name: 'telemetry-consumer', check: async () => (consumer.healthy() ? { ok: true } : { ok: false, error: 'not running or batches keep failing' }) },
      ],
    },
  });
}
