import { isRecord } from '@geopulse/contracts';
import { CommandError } from '../domain/command-error';
import { canonicalTimeZone, DEFAULT_TIME_ZONE } from '../domain/local-time';
import type { TenantSettings, TenantSettingsRepository } from './ports';

export type TenantSettingsView = Pick<TenantSettings, 'timeZone'> & Partial<Pick<TenantSettings, 'updatedAt' | 'updatedBy'>>;

/** A tenant's settings: today its time zone, the clock its authorization policies see. */
export class ManageTenantSettings {
  constructor(
    private readonly repository: TenantSettingsRepository,
    private readonly clock: () => number = Date.now,
  ) {}

  async get(tenantId: string): Promise<TenantSettingsView> {
    const stored = await this.repository.get(tenantId);
    return stored ? { timeZone: stored.timeZone, updatedAt: stored.updatedAt, updatedBy: stored.updatedBy } : { timeZone: DEFAULT_TIME_ZONE };
  }

  async timeZone(tenantId: string): Promise<string> {
    return (await this.repository.get(tenantId))?.timeZone ?? DEFAULT_TIME_ZONE;
  }

  async put(tenantId: string, body: unknown, actor: string): Promise<TenantSettingsView> {
    if (!isRecord(body)) throw new CommandError('INVALID_SETTINGS', 'the body must be a JSON object', [{ path: '', message: 'must be an object' }]);
    const unknown = Object.keys(body).filter((k) => k !== 'timeZone');
    if (unknown.length > 0) throw new CommandError('INVALID_SETTINGS', `unknown setting ${unknown[0]}`, unknown.map((k) => ({ path: `/${k}`, message: 'is not a setting' })));
    const timeZone = canonicalTimeZone(body.timeZone);
    if (!timeZone) {
      throw new CommandError('INVALID_SETTINGS', 'timeZone must be an IANA time zone name such as Europe/Amsterdam or UTC', [{ path: '/timeZone', message: 'not a known IANA time zone' }]);
    }
    const settings: TenantSettings = { tenantId, timeZone, updatedAt: new Date(this.clock()).toISOString(), updatedBy: actor };
    await this.repository.put(settings);
    return { timeZone, updatedAt: settings.updatedAt, updatedBy: actor };
  }
}
