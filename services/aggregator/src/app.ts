import { runService } from '@geopulse/service-runtime';
import { aggregatorModule } from './app.module';
import type { AggregatorConfig } from './config';

export async function startAggregator(config: AggregatorConfig): Promise<void> {
  await runService({
    service: 'aggregator',
    http: config.http,
    module: (logger) => aggregatorModule(config, logger),
    description: 'Live device state and geo queries over the telemetry stream.',
  });
}
