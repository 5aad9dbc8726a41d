/** In-memory fakes of the ingest service's ports, shared by its use-case specs (not part of the build). */
import type { Device } from '../domain/device';
import type { StoredDeviceKey } from '../domain/device-key';
import type { DeviceRepository } from '../application/ports';

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
