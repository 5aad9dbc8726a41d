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
import { CACHE, CONFIG, DELIVERY_LOG, DYNAMO, EMAIL, QUEUE } from './application/tokens';
import { SubscriptionsController } from './adapters/http/subscriptions.controller';
import { KafkaDeadLetterSink } from './adapters/kafka/dead-letter.sink';
import { EVENTS_CONSUMER, NOTIFIER_GROUP_ID, NotificationEventsConsumer } from './adapters/kafka/notification-events.consumer';
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
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await ensureTable(this.dynamo.client, subscriptionsTable(this.config.dynamo.tablePrefix));
    await ensureTable(this.dynamo.client, notificationsTable(this.config.dynamo.tablePrefix));
    this.worker.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker.stop();
  }

  onApplicationShutdown(): void {
    this.email.close();
    this.dynamo.client.destroy();
  }
}

export function notifierModule(config: NotifierConfig, logger: JsonLogger): DynamicModule {
  const settings = config.notifier;
  const prefix = config.dynamo.tablePrefix;
  return PlatformModule.register({
    service: 'notifier',
    logger,
    kafka: config.kafka,
    auth: config.auth,
    redisUrl: config.redisUrl,
    controllers: [SubscriptionsController, NotificationsController, NotificationEventsConsumer],
    consumers: { useFactory: () => ({ [EVENTS_CONSUMER]: { groupId: NOTIFIER_GROUP_ID } }) },
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
        useFactory: (cache: SubscriptionCache, queue: DeliveryQueue, log: DeliveryLog) => new RouteEvents((tenantId) => cache.all(tenantId), queue, log, clock),
        inject: [CACHE, QUEUE, DELIVERY_LOG],
      },
      {
        provide: ManageSubscriptions,
        useFactory: (d: DynamoClients, deliver: DeliverNotifications) =>
          new ManageSubscriptions(new DynamoSubscriptionRepository(d.doc, prefix), systemHostResolver, settings.allowList, deliver, clock, settings.maxSubscriptionsPerTenant),
        inject: [DYNAMO, DeliverNotifications],
      },
      NotifierLifecycle,
    ],
    readiness: {
      inject: [DYNAMO],
      useFactory: (dynamo: DynamoClients) => [{ name: 'dynamodb', check: () => pingDynamo(dynamo.client) }],
    },
  });
}
