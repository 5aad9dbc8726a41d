import { GeofenceError } from '../domain/geofence-error';
import { parseReportQuery, zoneReport, type ZoneReportRow } from '../domain/zone-report';
import type { GeofenceCatalog } from './geofence-catalog';
import type { Clock, LoggedVisit, MembershipStore, TransitionLog } from './ports';

export interface ZoneReportLimits {
  maxRangeDays: number;
  /** How far before `from` visits are looked for in the log (a visit open at `from` started then). */
  lookbackDays: number;
  maxTransitions: number;
}

export interface ZoneReport {
  geofenceId: string;
  geofenceName: string;
  from: string;
  to: string;
  tz: string;
  items: ZoneReportRow[];
}

/**
 * `GET /v1/geofences/{id}/report`: the fence's visits from the transition log (started up to
 * `lookbackDays` before `from`), plus visits still open now that started earlier still (from
 * the devices' geo state), -> days in zone per device.
 */
export class ReportZoneDays {
  constructor(
    private readonly catalog: GeofenceCatalog,
    private readonly log: TransitionLog,
    private readonly store: MembershipStore,
    private readonly limits: ZoneReportLimits,
    private readonly clock: Clock,
  ) {}

  async execute(tenantId: string, fenceId: string, params: Record<string, string | undefined>): Promise<ZoneReport> {
    const fence = this.catalog.index.get(tenantId, fenceId);
    if (!fence) throw new GeofenceError('GEOFENCE_NOT_FOUND', `geofence ${fenceId} not found`);
    const parsed = parseReportQuery(params, this.limits.maxRangeDays, this.clock());
    if (!parsed.ok) throw new GeofenceError('INVALID_QUERY', `${parsed.issues.length} problem(s) in the report query`, parsed.issues);
    const { query } = parsed;
    const since = query.from - this.limits.lookbackDays * 86_400_000;
    const visits = await this.log.visits(tenantId, fenceId, since, query.to, this.limits.maxTransitions);
    visits.push(...(await this.longOpenVisits(tenantId, fenceId, since)));
    return {
      geofenceId: fence.id,
      geofenceName: fence.name,
      from: new Date(query.from).toISOString(),
      to: new Date(query.to).toISOString(),
      tz: query.timeZone,
      items: zoneReport(visits, query, this.clock()),
    };
  }

  /** Open visits that began before the log's lookback. */
  private async longOpenVisits(tenantId: string, fenceId: string, before: number): Promise<LoggedVisit[]> {
    const visitors = await this.store.visitors(tenantId, fenceId);
    if (visitors.length === 0) return [];
    const states = await this.store.load(tenantId, visitors.map((v) => v.deviceId));
    const out: LoggedVisit[] = [];
    for (const [deviceId, state] of states) {
      const visit = state.visits[fenceId];
      if (visit && visit.enteredAt < before) out.push({ deviceId, enteredAt: visit.enteredAt });
    }
    return out;
  }
}
