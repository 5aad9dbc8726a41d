/**
 * `GET /v1/alerts`: the query checked (a RuleError INVALID_QUERY naming the parameter), the
 * tenant's alerts from the alerts table, each with a link to its trace when a template is set.
 */
import { traceUrl } from '@geopulse/observability';
import { RuleError } from '../domain/rule-error';
import type { AlertRecord, AlertRecordStatus, AlertRepository } from './ports';

export const ALERT_STATUSES: readonly AlertRecordStatus[] = ['FIRING', 'RESOLVED'];

/** An alert as the API answers it: with a link to its trace when a template is configured. */
export type AlertView = AlertRecord & { traceUrl?: string };

export interface AlertQueryParams {
  status?: string;
  deviceId?: string;
  ruleId?: string;
  limit?: string;
}

export class ListAlerts {
  constructor(
    private readonly alerts: AlertRepository,
    /** e.g. `https://jaeger.example/trace/{traceId}`; '' for no links. */
    private readonly traceUrlTemplate: string,
  ) {}

  async execute(tenantId: string, params: AlertQueryParams): Promise<AlertView[]> {
    const { status, deviceId, ruleId } = params;
    if (status !== undefined && !ALERT_STATUSES.includes(status as AlertRecordStatus)) {
      throw new RuleError('INVALID_QUERY', 'status must be FIRING or RESOLVED', [{ path: 'status', message: 'must be FIRING or RESOLVED' }]);
    }
    const limit = params.limit === undefined ? 100 : Number(params.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new RuleError('INVALID_QUERY', 'limit must be 1-1000', [{ path: 'limit', message: 'must be an integer 1-1000' }]);
    }
    const items = await this.alerts.list(tenantId, {
      limit,
      ...(status ? { status: status as AlertRecordStatus } : {}),
      ...(deviceId ? { deviceId } : {}),
      ...(ruleId ? { ruleId } : {}),
    });
    return items.map((alert) => {
      const link = traceUrl(this.traceUrlTemplate, alert.traceId);
      return link ? { ...alert, traceUrl: link } : alert;
    });
  }
}
