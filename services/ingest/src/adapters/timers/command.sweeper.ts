import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { JsonLogger, metric, type ComponentLogger } from '@geopulse/observability';
import { LOGGER } from '@geopulse/service-runtime';
import { DeviceCommands } from '../../application/device-commands';
import { COMMAND_SWEEP_MS } from '../../application/tokens';

const expiredCommands = metric.counter('geopulse_ingest_commands_expired_total', 'Commands that passed their ttl without an acknowledgement');
const retriedCommands = metric.counter('geopulse_ingest_commands_retried_total', 'Queued commands published again by the sweep');

/** Runs the command sweep on every replica every INGEST_COMMAND_SWEEP_MS; its writes are conditional, so replicas never both act. */
@Injectable()
export class CommandSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly log: ComponentLogger;

  constructor(
    @Inject(DeviceCommands) private readonly commands: DeviceCommands,
    @Inject(COMMAND_SWEEP_MS) private readonly intervalMs: number,
    @Inject(LOGGER) logger: JsonLogger,
  ) {
    this.log = logger.child('command-sweep');
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.commands
        .sweep()
        .then(({ expired, retried }) => {
          expiredCommands.inc(expired);
          retriedCommands.inc(retried);
        })
        .catch((err: Error) => this.log.warn('command sweep failed; next pass retries', { error: err.message }))
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
