import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';
import { createDynamoClients, ensureTable, pingDynamo } from '@geopulse/dynamo';
import { EventProducer } from '@geopulse/kafka';
import type { JsonLogger } from '@geopulse/observability';
import type { RedisClient } from '@geopulse/redis';
import { LOGGER, PlatformModule, REDIS } from '@geopulse/service-runtime';
import { DeliverNotifications } from './application/deliver-notifications';
import { DeliveryWorker } from './application/delivery-worker';
import { ManageSubscriptions } from './application/manage-subscriptions';
import type { Clock, DeliveryLog, DeliveryQueue } from './application/ports';
import { RouteEvents } from './application/route-events';
import { SubscriptionCache } from './application/subscription-cache';
import { systemHostResolver } from './adapters/dns/system.host-resolver';
import { DynamoDeliveryLog, notificationsTable } from './adapters/dynamo/delivery-log.repository';
import { DynamoSubscriptionRepository, subscriptionsTable } from './adapters/dynamo/subscription.repository';
import { SmtpEmailSender } from './adapters/email/smtp.email-sender';
import { NotificationsController } from './adapters/http/notifications.controller';
import { CACHE, CONFIG, DELIVERY_LOG, DEVICE_DIRECTORY, DYNAMO, EMAIL, QUEUE } from './application/tokens';
import { SubscriptionsController } from './adapters/http/subscriptions.controller';
import { KafkaDeadLetterSink } from './adapters/kafka/dead-letter.sink';
import { EVENTS_CONSUMER, NOTIFIER_GROUP_ID, NotificationEventsConsumer } from './adapters/kafka/notification-events.consumer';
import { MAP_CONFIG, MapConfigController } from './adapters/http/map-config.controller';
import { StreamController } from './adapters/http/stream.controller';
import { STREAM_CONSUMER, StreamEventsConsumer, streamGroupId } from './adapters/kafka/stream-events.consumer';
import { StreamHub } from './application/stream-hub';
import { ReplayBuffer } from './domain/stream/replay-buffer';
import { RegistryDeviceDirectory } from '@geopulse/dynamo';
import { metric } from '@geopulse/observability';
import { RedisDeliveryQueue } from './adapters/redis/delivery-queue.store';
import { CloudEventsWebhookSender } from './adapters/webhook/cloudevents.webhook-sender';
import type { NotifierConfig } from './config';

type DynamoClients = ReturnType<typeof createDynamoClients>;
const clock: Clock = () => Date.now();
/** Delivery log entries are kept this long after their last change. */
const LOG_RETENTION_SECONDS = 30 * 86_400;

/**
 * Creates the tables when missing, then starts the delivery workers; on shutdown stops them
 * (letting in-flight attempts finish) before Redis and DynamoDB close.
 */
@Injectable()
class NotifierLifecycle implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  constructor(
    @Inject(DYNAMO) private readonly dynamo: DynamoClients,
    @Inject(CONFIG) private readonly config: NotifierConfig,
    @Inject(DeliveryWorker) private readonly worker: DeliveryWorker,
    @Inject(EMAIL) private readonly email: SmtpEmailSender,
    @Inject(StreamHub) private readonly hub: StreamHub,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await ensureTable(this.dynamo.client, subscriptionsTable(this.config.dynamo.tablePrefix));
    await ensureTable(this.dynamo.client, notificationsTable(this.config.dynamo.tablePrefix));
    this.worker.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.hub.closeAll();
    await this.worker.stop();
  }

  onApplicationShutdown(): void {
    this.email.close();
    this.dynamo.client.destroy();
  }
}

export function notifierModule(config: NotifierConfig, logger: JsonLogger): DynamicModule {
  const settings = config.notifier;
  const live = config.live;
  const prefix = config.dynamo.tablePrefix;
  return PlatformModule.register({
    service: 'notifier',
    logger,
    kafka: config.kafka,
    auth: config.auth,
    redisUrl: config.redisUrl,
    controllers: [SubscriptionsController, NotificationsController, NotificationEventsConsumer, StreamController, StreamEventsConsumer, MapConfigController],
    consumers: {
      useFactory: () => ({
        [EVENTS_CONSUMER]: { groupId: NOTIFIER_GROUP_ID },
        // Every replica reads every event for its own stream clients, from now on (decision 0503).
        [STREAM_CONSUMER]: { groupId: streamGroupId(live.stream.replicaId), fromBeginning: false },
      }),
    },
    providers: [
      { provide: CONFIG, useValue: config },
      { provide: DYNAMO, useFactory: () => createDynamoClients(config.dynamo) },
      { provide: EMAIL, useFactory: () => new SmtpEmailSender(settings.smtp) },
      { provide: CACHE, useFactory: (d: DynamoClients) => new SubscriptionCache(new DynamoSubscriptionRepository(d.doc, prefix), settings.subscriptionCacheMs, clock), inject: [DYNAMO] },
      { provide: DELIVERY_LOG, useFactory: (d: DynamoClients) => new DynamoDeliveryLog(d.doc, prefix, LOG_RETENTION_SECONDS), inject: [DYNAMO] },
      { provide: QUEUE, useFactory: (redis: RedisClient) => new RedisDeliveryQueue(redis, config.kafka.topicPrefix, settings.dedupTtlSeconds), inject: [REDIS] },
      {
        provide: DeliverNotifications,
        useFactory: (cache: SubscriptionCache, email: SmtpEmailSender, queue: DeliveryQueue, log: DeliveryLog, producer: EventProducer, root: JsonLogger) =>
          new DeliverNotifications(
            (tenantId, id) => cache.get(tenantId, id),
            email,
            new CloudEventsWebhookSender(systemHostResolver, settings.allowList, settings.webhookTimeoutMs),
            queue,
            log,
            new KafkaDeadLetterSink(producer),
            { retry: settings.retry, traceUrlTemplate: settings.traceUrlTemplate },
            clock,
            root.child('delivery'),
          ),
        inject: [CACHE, EMAIL, QUEUE, DELIVERY_LOG, EventProducer, LOGGER],
      },
      {
        provide: DeliveryWorker,
        useFactory: (queue: DeliveryQueue, deliver: DeliverNotifications, root: JsonLogger) =>
          new DeliveryWorker(queue, deliver, { concurrency: settings.concurrency, pollIntervalMs: settings.pollIntervalMs, leaseMs: settings.leaseMs }, clock, root.child('worker')),
        inject: [QUEUE, DeliverNotifications, LOGGER],
      },
      {
        provide: RouteEvents,
        useFactory: (cache: SubscriptionCache, queue: DeliveryQueue, log: DeliveryLog, directory: RegistryDeviceDirectory) =>
          new RouteEvents((tenantId) => cache.all(tenantId), queue, log, clock, async (tenantId, deviceId) => (await directory.get(tenantId, deviceId)).tags),
        inject: [CACHE, QUEUE, DELIVERY_LOG, DEVICE_DIRECTORY],
      },
      {
        provide: ManageSubscriptions,
        useFactory: (d: DynamoClients, deliver: DeliverNotifications) =>
          new ManageSubscriptions(new DynamoSubscriptionRepository(d.doc, prefix), systemHostResolver, settings.allowList, deliver, clock, settings.maxSubscriptionsPerTenant),
        inject: [DYNAMO, DeliverNotifications],
      },
      {
        // Registry tags (subscription filters, stream filters) change rarely; a replica re-reads a device's tags after 30 s.
        provide: DEVICE_DIRECTORY,
        inject: [DYNAMO],
        useFactory: (d: DynamoClients) => new RegistryDeviceDirectory(d.doc, prefix, 30_000, clock),
      },
      {
        provide: StreamHub,
        inject: [DEVICE_DIRECTORY, LOGGER],
        useFactory: (directory: RegistryDeviceDirectory, root: JsonLogger) => {
          const clients = metric.gauge('geopulse_notifier_stream_clients', 'Open GET /v1/stream connections of this replica');
          const dropped = metric.counter('geopulse_notifier_stream_clients_closed_total', 'Stream clients the server closed, by reason (slow-consumer, shutdown)', ['reason']);
          return new StreamHub(
            new ReplayBuffer(randomBytes(4).toString('hex'), live.stream.replay, clock),
            async (tenantId, deviceId) => (await directory.get(tenantId, deviceId)).tags,
            { coalesceMs: live.stream.coalesceMs, maxBufferBytes: live.stream.maxBufferBytes, heartbeatMs: live.stream.heartbeatMs, closeGraceMs: 30_000, maxClients: live.stream.maxClients },
            clock,
            { clients: (delta) => clients.inc(delta), dropped: (reason) => dropped.inc({ reason }) },
            root.child('stream'),
          );
        },
      },
      {
        provide: MAP_CONFIG,
        useValue: {
          aggregatorUrl: live.map.aggregatorUrl,
          rulesUrl: live.map.rulesUrl,
          geoUrl: live.map.geoUrl,
          ...(live.map.tileUrl ? { tileUrl: live.map.tileUrl } : {}),
          traceUrlTemplate: settings.traceUrlTemplate,
        },
      },
      NotifierLifecycle,
    ],
    readiness: {
      inject: [DYNAMO],
      useFactory: (dynamo: DynamoClients) => [{ name: 'dynamodb', check: () => pingDynamo(dynamo.client) }],
    },
  });
}
