import { JsonLogger } from '@geopulse/observability';
import { bootstrapService } from '@geopulse/service-runtime';
import { rulesModule } from './app.module';
import type { RulesConfig } from './config';

export async function startRules(config: RulesConfig): Promise<void> {
  const logger = new JsonLogger('geopulse-rules', config.http.LOG_LEVEL);
  await bootstrapService({
    service: 'rules',
    module: rulesModule(config, logger),
    port: config.http.PORT,
    logger,
    description: 'Dynamic JEXL rules over readings and the alert lifecycle.',
    shutdownTimeoutMs: config.http.SHUTDOWN_TIMEOUT_MS,
  });
}
