import type { DynamicModule } from '@nestjs/common';
import { createDynamoClients, ensureTable, pingDynamo } from '@geopulse/dynamo';
import { EventProducer } from '@geopulse/kafka';
import type { JsonLogger } from '@geopulse/observability';
import type { RedisClient } from '@geopulse/redis';
import { AUTHORIZER, RoleAuthorizer, type Authorizer } from '@geopulse/auth';
import { PlatformModule, REDIS } from '@geopulse/service-runtime';
import { AcceptMqttMessage } from './application/accept-mqtt-message';
import { AcceptReadings, type ReadingPublisher } from './application/accept-readings';
import { AuthenticateDevice } from './application/authenticate-device';
import { AuthenticateMqttClient } from './application/authenticate-mqtt-client';
import { CoalescingPublisher } from './application/coalescing-publisher';
import { DeviceCommands } from './application/device-commands';
import { ManageDevices } from './application/manage-devices';
import { ManagePolicies } from './application/manage-policies';
import type { CommandRepository, DeviceRepository, KeyCrypto } from './application/ports';
import { ManageTenantSettings } from './application/tenant-settings';
import { DynamoCommandRepository, DynamoTenantSettingsRepository } from './adapters/dynamo/command.repository';
import { CommandsController, TenantSettingsController } from './adapters/http/commands.controller';
import { MqttCommandChannel } from './adapters/mqtt/command.channel';
import { CommandSweeper } from './adapters/timers/command.sweeper';
import { ScryptKeyCrypto } from './adapters/crypto/scrypt-key-crypto';
import { DynamoDeviceRepository } from './adapters/dynamo/device.repository';
import { DeviceTablesLifecycle } from './adapters/dynamo/dynamo.lifecycle';
import { DynamoPolicyRepository, policyTable } from './adapters/dynamo/policy.repository';
import { DevicesController } from './adapters/http/devices.controller';
import { MqttAuthController } from './adapters/http/mqtt-auth.controller';
import { PoliciesController } from './adapters/http/policies.controller';
import { TelemetryAuthGuard } from './adapters/http/telemetry-auth.guard';
import { TelemetryController } from './adapters/http/telemetry.controller';
import { KafkaReadingPublisher } from './adapters/kafka/reading.publisher';
import { KafkaPolicySetPublisher } from './adapters/kafka/policies.publisher';
import { MqttTelemetryBridge } from './adapters/mqtt/telemetry.bridge';
import { RegistryDeviceTags, type DeviceTagSource } from './application/device-tags';
import { COMMAND_REPOSITORY, COMMAND_SWEEP_MS, DEVICE_REPOSITORY, DEVICE_TAGS, DYNAMO, DYNAMO_SETTINGS, KEY_CRYPTO, MQTT_AUTH_SECRET, MQTT_SETTINGS, TELEMETRY_IN_FLIGHT } from './application/tokens';
import { RedisReadingDedup } from './adapters/redis/reading-dedup.store';
import { RedisTokenBucketLimiter } from './adapters/redis/token-bucket.rate-limiter';
import type { IngestConfig } from './config';
import { InFlightLimit } from './domain/in-flight-limit';

type DynamoClients = ReturnType<typeof createDynamoClients>;


export function ingestModule(config: IngestConfig, logger: JsonLogger): DynamicModule {
  const degraded = logger.child('degraded');
  const acceptReadings = (publisher: ReadingPublisher, redis: RedisClient, tags: DeviceTagSource) =>
    new AcceptReadings(publisher, config.ingest, Date.now, {
      dedup: new RedisReadingDedup(redis, config.ingest.dedupWindowMs),
      rateLimiter: new RedisTokenBucketLimiter(redis, config.ingest.ratePerDevice, config.ingest.rateBurst),
      tags,
      onDegraded: (what, error) => degraded.warn(`${what} skipped: ${what === 'tags' ? 'the device registry' : 'Redis'} did not answer`, { error: error.message }),
    });
  return PlatformModule.register({
    service: 'ingest',
    logger,
    kafka: config.kafka,
    auth: config.auth,
    redisUrl: config.redisUrl,
    producerSendTimeoutMs: config.ingest.produceTimeoutMs,
    controllers: [TelemetryController, DevicesController, CommandsController, TenantSettingsController, MqttAuthController, PoliciesController],
    providers: [
      { provide: DYNAMO, useFactory: () => createDynamoClients(config.dynamo) },
      { provide: DYNAMO_SETTINGS, useValue: config.dynamo },
      DeviceTablesLifecycle,
      { provide: DEVICE_REPOSITORY, useFactory: (d: DynamoClients) => new DynamoDeviceRepository(d.doc, config.dynamo.tablePrefix), inject: [DYNAMO] },
      { provide: KEY_CRYPTO, useValue: new ScryptKeyCrypto() },
      {
        provide: ManagePolicies,
        // The policies table is created when missing (local and test setups), like the device tables.
        useFactory: async (d: DynamoClients, producer: EventProducer) => {
          await ensureTable(d.client, policyTable(config.dynamo.tablePrefix));
          return new ManagePolicies(new DynamoPolicyRepository(d.doc, config.dynamo.tablePrefix), new KafkaPolicySetPublisher(producer), {
            maxPerTenant: config.ingest.maxPoliciesPerTenant,
            maxBytes: config.ingest.maxPolicyBytes,
          });
        },
        inject: [DYNAMO, EventProducer],
      },
      {
        provide: DEVICE_TAGS,
        useFactory: (repo: DeviceRepository) => new RegistryDeviceTags(repo, { maxEntries: config.ingest.keyCacheSize, ttlMs: config.ingest.deviceTagsTtlMs }),
        inject: [DEVICE_REPOSITORY],
      },
      {
        provide: AuthenticateDevice,
        useFactory: (repo: DeviceRepository, crypto: KeyCrypto) =>
          new AuthenticateDevice(repo, crypto, { maxEntries: config.ingest.keyCacheSize, ttlMs: config.ingest.keyCacheTtlMs }),
        inject: [DEVICE_REPOSITORY, KEY_CRYPTO],
      },
      {
        provide: ManageDevices,
        useFactory: (repo: DeviceRepository, crypto: KeyCrypto, auth: AuthenticateDevice) =>
          new ManageDevices(repo, crypto, { rotationGraceMs: config.ingest.rotationGraceMs, maxPerTenant: config.ingest.maxDevicesPerTenant }, (device) => auth.forget(device)),
        inject: [DEVICE_REPOSITORY, KEY_CRYPTO, AuthenticateDevice],
      },
      {
        provide: AcceptReadings,
        useFactory: (producer: EventProducer, redis: RedisClient, tags: DeviceTagSource) => acceptReadings(new KafkaReadingPublisher(producer), redis, tags),
        inject: [EventProducer, REDIS, DEVICE_TAGS],
      },
      { provide: TELEMETRY_IN_FLIGHT, useValue: new InFlightLimit(config.ingest.maxInFlight) },
      TelemetryAuthGuard,
      {
        provide: AcceptMqttMessage,
        // MQTT messages are small and many: concurrent ones share Kafka sends.
        useFactory: (producer: EventProducer, redis: RedisClient, repo: DeviceRepository, tags: DeviceTagSource) =>
          new AcceptMqttMessage(acceptReadings(new CoalescingPublisher(new KafkaReadingPublisher(producer)), redis, tags), repo, {
            maxEntries: config.ingest.keyCacheSize,
            ttlMs: config.ingest.keyCacheTtlMs,
          }),
        inject: [EventProducer, REDIS, DEVICE_REPOSITORY, DEVICE_TAGS],
      },
      { provide: MQTT_SETTINGS, useFactory: () => config.mqtt ?? null },
      { provide: AuthenticateMqttClient, useFactory: (auth: AuthenticateDevice) => new AuthenticateMqttClient(auth), inject: [AuthenticateDevice] },
      { provide: MQTT_AUTH_SECRET, useFactory: () => config.mqttAuthSecret ?? null },
      MqttTelemetryBridge,
      { provide: COMMAND_REPOSITORY, useFactory: (d: DynamoClients) => new DynamoCommandRepository(d.doc, config.dynamo.tablePrefix, config.ingest.commandRetentionSeconds), inject: [DYNAMO] },
      { provide: ManageTenantSettings, useFactory: (d: DynamoClients) => new ManageTenantSettings(new DynamoTenantSettingsRepository(d.doc, config.dynamo.tablePrefix)), inject: [DYNAMO] },
      MqttCommandChannel,
      {
        provide: DeviceCommands,
        // The platform's Authorizer (Cedar with the tenants' policies, every decision logged; decision 0105); the role table if none.
        useFactory: (devices: DeviceRepository, commands: CommandRepository, tenants: ManageTenantSettings, channel: MqttCommandChannel, authorizer?: Authorizer) => {
          const use = new DeviceCommands(devices, commands, tenants, authorizer ?? new RoleAuthorizer(), channel, {
            retryMs: config.ingest.commandRetryMs,
            deliverTimeoutMs: 5000,
          });
          channel.attach(use);
          return use;
        },
        inject: [DEVICE_REPOSITORY, COMMAND_REPOSITORY, ManageTenantSettings, MqttCommandChannel, { token: AUTHORIZER, optional: true }],
      },
      { provide: COMMAND_SWEEP_MS, useValue: config.ingest.commandSweepMs },
      CommandSweeper,
    ],
    readiness: {
      inject: [DYNAMO, MqttTelemetryBridge, MqttCommandChannel],
      useFactory: (dynamo: DynamoClients, bridge: MqttTelemetryBridge, commands: MqttCommandChannel) => [
        { name: 'dynamodb', check: () => pingDynamo(dynamo.client) },
        ...(config.mqtt ? [{ name: 'mqtt', check: async () => bridge.health() }, { name: 'mqtt-commands', check: async () => commands.health() }] : []),
      ],
    },
  });
}
