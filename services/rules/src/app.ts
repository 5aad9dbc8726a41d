import { JsonLogger } from '@geopulse/observability';
import { bootstrapService, PlatformModule } from '@geopulse/service-runtime';
import type { RulesConfig } from './config';

/** The service's outside (health, readiness, metrics, docs, Kafka, auth); its domain comes with its issue. */
export async function startRules(config: RulesConfig): Promise<void> {
  const logger = new JsonLogger('geopulse-rules', config.http.LOG_LEVEL);
  await bootstrapService({
    service: 'rules',
    module: PlatformModule.register({ service: 'rules', logger, kafka: config.kafka, auth: config.auth, redisUrl: config.redisUrl }),
    port: config.http.PORT,
    logger,
    description: 'Dynamic JEXL rules over readings and the alert lifecycle.',
    shutdownTimeoutMs: config.http.SHUTDOWN_TIMEOUT_MS,
  });
}
