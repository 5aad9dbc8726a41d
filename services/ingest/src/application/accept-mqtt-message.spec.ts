import type { Device } from '../domain/device';
import { AcceptMqttMessage } from './accept-mqtt-message';
import { AcceptReadings } from './accept-readings';
import type { DeviceRepository } from './ports';

const device: Device = {
  tenantId: 'acme',
  deviceId: 'van-1',
  name: '',
  tags: [],
  attributes: {},
  enabled: true,
  createdAt: '2026-11-22T10:00:00.000Z',
  updatedAt: '2026-11-22T10:00:00.000Z',
  keys: [],
  version: 1,
};

function setup() {
  const published: string[] = [];
  const repository: Pick<DeviceRepository, 'get'> = { get: async (tenantId, deviceId) => (tenantId === 'acme' && deviceId === 'van-1' ? device : undefined) };
  const accept = new AcceptReadings({ publish: async (readings) => void published.push(...readings.map((r) => r.id)) }, { maxBatch: 10, maxFutureSkewMs: 60_000, maxAgeMs: 3600_000 });
  const sut = new AcceptMqttMessage(accept, repository as DeviceRepository, { maxEntries: 10, ttlMs: 1000 });
  return { sut, published };
}

const topic = 'devices/acme:van-1/telemetry';
const payload = (id: string) => Buffer.from(JSON.stringify({ id, ts: new Date().toISOString(), metrics: { speed: 1 } }));

describe('AcceptMqttMessage publisher check (defence in depth, docs/decisions/0103)', () => {
  it('accepts a message whose publisher, as the broker names it, is the topic\'s device', async () => {
    const { sut, published } = setup();
    await expect(sut.execute(topic, payload('r1'), { checked: true, publisher: 'acme:van-1' })).resolves.toMatchObject({ kind: 'accepted' });
    expect(published).toEqual(['r1']);
  });

  it('refuses, without writing or dead-lettering, a message from another client or naming none', async () => {
    const { sut, published } = setup();
    await expect(sut.execute(topic, payload('r2'), { checked: true, publisher: 'acme:van-2' })).resolves.toMatchObject({ kind: 'refused', reason: 'PUBLISHER_MISMATCH' });
    await expect(sut.execute(topic, payload('r3'), { checked: true, publisher: 'other:van-1' })).resolves.toMatchObject({ kind: 'refused', reason: 'PUBLISHER_MISMATCH' });
    await expect(sut.execute(topic, payload('r4'), { checked: true, publisher: undefined })).resolves.toMatchObject({ kind: 'refused', reason: 'NO_PUBLISHER_IDENTITY' });
    expect(published).toEqual([]);
  });

  it('trusts the broker\'s ACL when the broker names no publisher (check off)', async () => {
    const { sut, published } = setup();
    await expect(sut.execute(topic, payload('r5'))).resolves.toMatchObject({ kind: 'accepted' });
    expect(published).toEqual(['r5']);
  });
});
