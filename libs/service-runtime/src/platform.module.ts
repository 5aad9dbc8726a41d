import { Inject, Injectable, Module, Optional, type DynamicModule, type InjectionToken, type OnApplicationShutdown, type Provider, type Type } from '@nestjs/common';
import type { KafkaSettings, OperatorAuthSettings } from '@geopulse/config';
import { broadcastGroupId, type KafkaHealth } from '@geopulse/kafka';
import type { JsonLogger } from '@geopulse/observability';
import { createRedisClient, pingRedis, type RedisClient } from '@geopulse/redis';
import { HealthController, READINESS_CHECKS, type ReadinessCheck } from './health.controller';
import { KafkaConsumers, type ConsumerDefinition } from './kafka-batch.transport';
import { KAFKA_HEALTH, kafkaProviders, operatorAuthProviders } from './platform.providers';
import { POLICIES_TOPIC_CONSUMER, PoliciesTopicConsumer, PolicyReplay } from './policies-topic.consumer';

export const REDIS = Symbol('REDIS');

export interface PlatformModuleOptions {
  service: string;
  logger: JsonLogger;
  kafka: KafkaSettings;
  auth: OperatorAuthSettings;
  /** When set, a Redis client is provided as REDIS and checked by /readyz. */
  redisUrl?: string;
  /** How long a publish may wait for Kafka's acknowledgement before it fails (default 10 s). */
  producerSendTimeoutMs?: number;
  controllers?: Type[];
  providers?: Provider[];
  /**
   * The service's consumer groups by name (handlers: `@BatchEventPattern(topic, name)` on a
   * controller); each gets a readiness check of that name (not started, crashed, stalled).
   */
  consumers?: { inject?: InjectionToken[]; useFactory: (...deps: never[]) => Record<string, ConsumerDefinition> };
  /** Service-specific readiness checks (DynamoDB, ...). */
  readiness?: { inject: InjectionToken[]; useFactory: (...deps: never[]) => ReadinessCheck[] };
}

@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Optional() @Inject(REDIS) private readonly redis?: RedisClient) {}
  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }
}

/**
 * The outside every service shares: health/readiness/metrics, Kafka producer and topic
 * provisioning, operator auth with the Cedar authorizer and the tenants' policies (read from
 * `geopulse.policies.v1`), optional Redis. A service adds its controllers and providers.
 */
@Module({})
export class PlatformModule {
  static register(options: PlatformModuleOptions): DynamicModule {
    const redisProviders: Provider[] = options.redisUrl
      ? [{ provide: REDIS, useFactory: () => createRedisClient(options.redisUrl!, options.service) }, RedisLifecycle]
      : [];
    const extra = options.readiness ?? { inject: [], useFactory: () => [] };
    const consumers = options.consumers ?? { inject: [], useFactory: () => ({}) };
    return {
      module: PlatformModule,
      controllers: [HealthController, PoliciesTopicConsumer, ...(options.controllers ?? [])],
      providers: [
        ...kafkaProviders(options.kafka, options.service, options.logger, options.producerSendTimeoutMs),
        ...operatorAuthProviders(options.auth, options.logger),
        ...redisProviders,
        ...(options.providers ?? []),
        // Every service reads the tenants' authorization policies in full (decision 0105).
        PolicyReplay,
        {
          provide: KafkaConsumers,
          inject: consumers.inject ?? [],
          useFactory: (...deps: never[]) =>
            new KafkaConsumers({
              ...consumers.useFactory(...deps),
              [POLICIES_TOPIC_CONSUMER]: { groupId: broadcastGroupId(`geopulse-${options.service}-policies`), fromBeginning: true },
            }),
        },
        {
          provide: READINESS_CHECKS,
          inject: [KAFKA_HEALTH, KafkaConsumers, PolicyReplay, ...(options.redisUrl ? [REDIS] : []), ...extra.inject],
          useFactory: (kafka: KafkaHealth, registry: KafkaConsumers, policies: PolicyReplay, ...rest: unknown[]): ReadinessCheck[] => {
            const checks: ReadinessCheck[] = [{ name: 'kafka', check: () => kafka.check() }, { name: 'policies', check: () => policies.check() }];
            for (const name of registry.names()) checks.push({ name, check: async () => registry.readiness(name) });
            if (options.redisUrl) {
              const redis = rest.shift() as RedisClient;
              checks.push({ name: 'redis', check: () => pingRedis(redis) });
            }
            return [...checks, ...extra.useFactory(...(rest as never[]))];
          },
        },
      ],
    };
  }
}
