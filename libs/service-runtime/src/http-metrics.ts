import type { NextFunction, Request, Response } from 'express';
import { metric } from '@geopulse/observability';

const requests = metric.counter('geopulse_http_requests_total', 'HTTP requests answered, by route template and status', ['method', 'route', 'status']);
const duration = metric.histogram(
  'geopulse_http_request_duration_seconds',
  'Time to answer an HTTP request, by route template',
  ['method', 'route'],
  [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
);

/**
 * The route label is the matched route's template (`/v1/devices/:id/state`), never the raw path,
 * so ids cannot blow up the label set; requests no route matched count as `unmatched`.
 */
export function routeLabel(req: Pick<Request, 'baseUrl'> & { route?: { path?: unknown } }): string {
  const template = req.route?.path;
  return typeof template === 'string' ? `${req.baseUrl}${template}` : 'unmatched';
}

export function httpMetrics(req: Request, res: Response, next: NextFunction): void {
  const stop = duration.startTimer();
  res.once('finish', () => {
    const route = routeLabel(req);
    stop({ method: req.method, route });
    requests.inc({ method: req.method, route, status: String(res.statusCode) });
  });
  next();
}
