/** In-memory fakes of the rules service's ports, shared by its use-case specs (not part of the build). */
import { emptyHistory } from '../domain/device-history';
import type { AlertPublisher, DeviceRef, DeviceState, DeviceStateWrite, DeviceStateChange, DeviceStateStore, OutgoingAlert } from '../application/ports';

export class MemoryStore implements DeviceStateStore {
  states = new Map<string, DeviceState>();
  firing = new Map<string, Set<string>>();
  timers = new Map<string, number>();
  failNextSave = false;
  async load(t: string, d: string): Promise<DeviceState> {
    return structuredClone(this.states.get(`${t}/${d}`) ?? { rev: 0, history: emptyHistory(), alerts: {} });
  }
  async save(t: string, d: string, rev: number, change: DeviceStateChange): Promise<boolean> {
    if (this.failNextSave) {
      this.failNextSave = false;
      throw new Error('crash before the state write');
    }
    const current = await this.load(t, d);
    if (current.rev !== rev) return false;
    const alerts = { ...current.alerts };
    for (const [id, s] of Object.entries(change.alerts)) if (s) alerts[id] = s; else delete alerts[id];
    this.states.set(`${t}/${d}`, { rev: rev + 1, history: change.history, alerts });
    for (const [ruleId, on] of Object.entries(change.firing)) {
      const set = this.firing.get(`${t}/${ruleId}`) ?? new Set<string>();
      if (on) set.add(d); else set.delete(d);
      this.firing.set(`${t}/${ruleId}`, set);
    }
    if (change.timer && 'dueAt' in change.timer) this.timers.set(`${t}:${d}`, change.timer.dueAt);
    else if (change.timer) this.timers.delete(`${t}:${d}`);
    return true;
  }
  async loadMany(devices: readonly DeviceRef[]): Promise<DeviceState[]> {
    return Promise.all(devices.map((d) => this.load(d.tenantId, d.deviceId)));
  }
  async saveMany(writes: readonly DeviceStateWrite[]): Promise<boolean[]> {
    const saved: boolean[] = [];
    for (const w of writes) saved.push(await this.save(w.tenantId, w.deviceId, w.rev, w.change));
    return saved;
  }
  async firingDevices(t: string, ruleId: string): Promise<string[]> {
    return [...(this.firing.get(`${t}/${ruleId}`) ?? [])];
  }
  async dueTimers(): Promise<Array<{ tenantId: string; deviceId: string }>> {
    return [];
  }
  async lease(): Promise<boolean> {
    return true;
  }
}

export class Sink implements AlertPublisher {
  published: OutgoingAlert[] = [];
  async publish(alerts: readonly OutgoingAlert[]): Promise<void> {
    this.published.push(...alerts);
  }
  /** Distinct transitions by event id (consumers deduplicate on it). */
  distinct(): string[] {
    const seen = new Set<string>();
    return this.published.map((a) => `${a.data.ruleId}:${a.data.status}:${a.data.alertId}`).filter((k) => !seen.has(k) && seen.add(k) !== undefined);
  }
}
