import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { metric, metricsRegistry } from '@geopulse/observability';

export interface ReadinessCheck {
  name: string;
  check(): Promise<{ ok: boolean; error?: string }>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

const ready = metric.gauge('geopulse_ready', 'Whether the last /readyz answered ready (1) or not (0)');
const checkUp = metric.gauge('geopulse_readiness_check_up', 'Whether a readiness check passed at the last /readyz (1) or not (0)', ['check']);

/** `/healthz` (alive), `/readyz` (dependencies reachable), `/metrics` (Prometheus). */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(@Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[]) {}

  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(@Res() res: Response): Promise<void> {
    const results = await Promise.all(
      this.checks.map(async (c) => {
        const result = await c.check().catch((err: Error) => ({ ok: false, error: err.message }));
        return [c.name, result] as const;
      }),
    );
    const ok = results.every(([, r]) => r.ok);
    for (const [name, result] of results) checkUp.set({ check: name }, result.ok ? 1 : 0);
    ready.set(ok ? 1 : 0);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not-ready', checks: Object.fromEntries(results) });
  }

  @Get('metrics')
  async metrics(@Res() res: Response): Promise<void> {
    res.set('Content-Type', metricsRegistry.contentType).send(await metricsRegistry.metrics());
  }
}
