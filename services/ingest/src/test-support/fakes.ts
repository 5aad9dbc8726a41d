/** In-memory fakes of the ingest service's ports, shared by its use-case specs (not part of the build). */
import type { Device } from '../domain/device';
import type { StoredDeviceKey } from '../domain/device-key';
import type { CommandRepository, DeviceRepository } from '../application/ports';
import type { CommandAck, DeviceCommand } from '../domain/command';

export class MemoryRepository implements DeviceRepository {
  devices = new Map<string, Device>();
  keys = new Map<string, StoredDeviceKey>();
  reads = 0;
  async get(tenantId: string, deviceId: string) {
    this.reads++;
    const d = this.devices.get(`${tenantId}/${deviceId}`);
    return d && structuredClone(d);
  }
  async list(tenantId: string, limit: number, cursor?: string) {
    const all = [...this.devices.values()].filter((d) => d.tenantId === tenantId && (!cursor || d.deviceId > cursor)).sort((a, b) => a.deviceId.localeCompare(b.deviceId));
    const items = all.slice(0, limit);
    return { items, ...(all.length > limit ? { nextCursor: items[items.length - 1].deviceId } : {}) };
  }
  async count(tenantId: string) {
    return [...this.devices.values()].filter((d) => d.tenantId === tenantId).length;
  }
  async save(device: Device, expected: number | null, newKey?: StoredDeviceKey) {
    const current = this.devices.get(`${device.tenantId}/${device.deviceId}`);
    if (expected === null ? current !== undefined : current?.version !== expected) return false;
    this.devices.set(`${device.tenantId}/${device.deviceId}`, structuredClone(device));
    if (newKey) this.keys.set(newKey.keyId, newKey);
    return true;
  }
  async remove(tenantId: string, deviceId: string) {
    return this.devices.delete(`${tenantId}/${deviceId}`);
  }
  async getKey(keyId: string) {
    return this.keys.get(keyId);
  }
}

/** Commands in memory with the repository's conditions (each transition only from the statuses it leaves). */
export class MemoryCommandRepository implements CommandRepository {
  items = new Map<string, DeviceCommand & { dueAt?: string }>();
  private key = (t: string, d: string, c: string) => `${t}/${d}/${c}`;
  async create(command: DeviceCommand, dueAt: string) {
    this.items.set(this.key(command.tenantId, command.deviceId, command.commandId), { ...structuredClone(command), dueAt });
  }
  async get(t: string, d: string, c: string) {
    const item = this.items.get(this.key(t, d, c));
    if (!item) return undefined;
    const { dueAt: _due, ...command } = structuredClone(item);
    return command;
  }
  async list(t: string, d: string, limit: number) {
    const items = [...this.items.values()].filter((c) => c.tenantId === t && c.deviceId === d).sort((a, b) => b.commandId.localeCompare(a.commandId));
    return { items: items.slice(0, limit) };
  }
  private change(command: DeviceCommand, when: (c: DeviceCommand & { dueAt?: string }) => boolean, apply: (c: DeviceCommand & { dueAt?: string }) => void): boolean {
    const item = this.items.get(this.key(command.tenantId, command.deviceId, command.commandId));
    if (!item || !when(item)) return false;
    apply(item);
    return true;
  }
  async markDelivered(command: DeviceCommand, at: string) {
    return this.change(command, (c) => c.status === 'queued', (c) => Object.assign(c, { status: 'delivered', deliveredAt: at, dueAt: c.expiresAt }));
  }
  async acknowledge(t: string, d: string, ack: CommandAck, at: string) {
    const open = (c: DeviceCommand) => c.status === 'queued' || c.status === 'delivered';
    return this.change({ tenantId: t, deviceId: d, commandId: ack.commandId } as DeviceCommand, open, (c) => {
      Object.assign(c, { status: 'acknowledged', acknowledgedAt: at, result: { status: ack.status, ...(ack.detail ? { detail: ack.detail } : {}) } });
      delete c.dueAt;
    });
  }
  async due(now: string, limit: number) {
    return [...this.items.values()].filter((c): c is DeviceCommand & { dueAt: string } => c.dueAt !== undefined && c.dueAt <= now).slice(0, limit).map((c) => structuredClone(c));
  }
  async expire(command: DeviceCommand, at: string) {
    return this.change(command, (c) => (c.status === 'queued' || c.status === 'delivered') && c.expiresAt <= at, (c) => {
      Object.assign(c, { status: 'expired', expiredAt: at });
      delete c.dueAt;
    });
  }
  async claimRetry(command: DeviceCommand, dueAt: string, nextDueAt: string) {
    return this.change(command, (c) => c.status === 'queued' && c.dueAt === dueAt, (c) => Object.assign(c, { dueAt: nextDueAt, attempts: c.attempts + 1 }));
  }
}
