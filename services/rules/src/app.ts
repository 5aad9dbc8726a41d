import { runService } from '@geopulse/service-runtime';
import { rulesModule } from './app.module';
import type { RulesConfig } from './config';

export async function startRules(config: RulesConfig): Promise<void> {
  await runService({
    service: 'rules',
    http: config.http,
    module: (logger) => rulesModule(config, logger),
    description: 'Dynamic JEXL rules over readings and the alert lifecycle.',
  });
}
