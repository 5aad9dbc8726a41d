import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { signDevelopmentToken } from '@geopulse/auth';
import { waitFor } from '@geopulse/testing';
import { connectDevice, IngestFixture, type Answer } from './ingest-fixture';

// Device commands (docs/decisions/0106) against the real broker (with its auth plugin) and
// DynamoDB Local, on two ingest replicas sharing the tables and the broker.
const world = new IngestFixture({
  MQTT_URL: process.env.MQTT_URL,
  MQTT_SHARE_GROUP: `it-${randomUUID().slice(0, 8)}`,
  MQTT_CONNECTIONS: '1',
  INGEST_COMMAND_SWEEP_MS: '200',
  INGEST_COMMAND_RETRY_SECONDS: '1',
});
const clients: MqttClient[] = [];

beforeAll(() => world.start(2), 180_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await world.stop();
});

interface Received {
  topic: string;
  payload: { commandId: string; name: string; args: Record<string, unknown>; issuedAt: string; expiresAt: string };
}

/** A device connected with its key and subscribed to its command topic; everything it receives is kept. */
async function deviceOnline(device: { deviceId: string; key: string }): Promise<{ client: MqttClient; received: Received[] }> {
  const client = await connectDevice(world.tenant, device.deviceId, device.key);
  clients.push(client);
  const received: Received[] = [];
  client.on('message', (topic, message) => received.push({ topic, payload: JSON.parse(message.toString()) as Received['payload'] }));
  await client.subscribeAsync(`devices/${world.tenant}:${device.deviceId}/commands`, { qos: 1 });
  return { client, received };
}

const send = (deviceId: string, body: unknown, options: { token?: string; replica?: number } = {}): Promise<Answer> =>
  world.call('POST', `/v1/devices/${deviceId}/commands`, { body: body as object, ...options });
const read = (deviceId: string, commandId: string): Promise<Answer> => world.call('GET', `/v1/devices/${deviceId}/commands/${commandId}`);
const statusOf = async (deviceId: string, commandId: string) => (await read(deviceId, commandId)).body.status;

function waitStatus(deviceId: string, commandId: string, status: string, timeoutMs = 20_000): Promise<Answer> {
  return waitFor(
    async () => {
      const answer = await read(deviceId, commandId);
      return answer.body.status === status ? answer : undefined;
    },
    { timeoutMs, intervalMs: 100, description: `command ${commandId} ${status}` },
  );
}

async function metricSum(name: string): Promise<number> {
  let sum = 0;
  for (const replica of world.replicas) {
    const text = await (await fetch(`${replica.baseUrl}/metrics`)).text();
    for (const line of text.split('\n')) if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

describe('device commands over MQTT', () => {
  it('delivers a command on the device\'s topic at QoS 1, and the device\'s ack makes it acknowledged', async () => {
    const device = await world.device();
    const { client, received } = await deviceOnline(device);
    const sent = await send(device.deviceId, { name: 'setTemperature', args: { value: 21.5, unit: 'C', eco: true } });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ deviceId: device.deviceId, name: 'setTemperature', args: { value: 21.5, unit: 'C', eco: true }, status: 'delivered', issuedBy: 'ingest-it', attempts: 1 });
    const commandId = sent.body.commandId as string;
    const message = await waitFor(async () => received.find((r) => r.payload.commandId === commandId), { timeoutMs: 10_000, intervalMs: 50, description: 'command on the device topic' });
    expect(message.topic).toBe(`devices/${world.tenant}:${device.deviceId}/commands`);
    expect(message.payload).toEqual({ commandId, name: 'setTemperature', args: { value: 21.5, unit: 'C', eco: true }, issuedAt: sent.body.issuedAt, expiresAt: sent.body.expiresAt });
    expect(Date.parse(message.payload.expiresAt) - Date.parse(message.payload.issuedAt)).toBe(300_000);

    await client.publishAsync(`devices/${world.tenant}:${device.deviceId}/commands/ack`, JSON.stringify({ commandId, status: 'ok', detail: 'set' }), { qos: 1 });
    const acked = await waitStatus(device.deviceId, commandId, 'acknowledged');
    expect(acked.body).toMatchObject({ status: 'acknowledged', result: { status: 'ok', detail: 'set' } });
    expect(typeof acked.body.acknowledgedAt).toBe('string');
    // A repeated ack changes nothing.
    await client.publishAsync(`devices/${world.tenant}:${device.deviceId}/commands/ack`, JSON.stringify({ commandId, status: 'error' }), { qos: 1 });
    const listed = await world.call('GET', `/v1/devices/${device.deviceId}/commands`, { replica: 1 });
    expect(listed.body.items).toEqual([expect.objectContaining({ commandId, status: 'acknowledged', result: { status: 'ok', detail: 'set' } })]);
  });

  it('keeps a command queued while the device has no subscription, and delivers it once the device subscribes', async () => {
    const device = await world.device();
    const sent = await send(device.deviceId, { name: 'reboot', ttlSeconds: 120 });
    expect(sent.body).toMatchObject({ status: 'queued' });
    const commandId = sent.body.commandId as string;
    const { received } = await deviceOnline(device);
    await waitFor(async () => received.find((r) => r.payload.commandId === commandId), { timeoutMs: 20_000, intervalMs: 100, description: 'retried command on the device topic' });
    const delivered = await waitStatus(device.deviceId, commandId, 'delivered');
    expect(delivered.body.attempts as number).toBeGreaterThanOrEqual(2);
  });

  it('expires commands nobody acknowledges, each counted by exactly one of the two replicas, and ignores a late ack and one for another device\'s command', async () => {
    const a = await world.device();
    const b = await world.device();
    const deviceA = await deviceOnline(a);
    const { received } = deviceA;
    const deviceB = await deviceOnline(b);
    const before = await metricSum('geopulse_ingest_commands_expired_total');
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const sent = await send(a.deviceId, { name: 'ping', args: { n: i }, ttlSeconds: 2 }, { replica: i % 2 });
      expect(sent.body.status).toBe('delivered');
      ids.push(sent.body.commandId as string);
    }
    // Device b acknowledges a's command on its own topic: not its command, ignored.
    await deviceB.client.publishAsync(`devices/${world.tenant}:${b.deviceId}/commands/ack`, JSON.stringify({ commandId: ids[0] }), { qos: 1 });
    for (const id of ids) {
      const expired = await waitStatus(a.deviceId, id, 'expired');
      expect(expired.body).not.toHaveProperty('acknowledgedAt');
      expect(typeof expired.body.expiredAt).toBe('string');
    }
    expect(received.filter((r) => ids.includes(r.payload.commandId)).length).toBe(ids.length);
    await waitFor(async () => ((await metricSum('geopulse_ingest_commands_expired_total')) - before === ids.length ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 200,
      description: 'each expiry counted once',
    });
    // A late ack leaves it expired.
    const late = deviceA.client;
    await late.publishAsync(`devices/${world.tenant}:${a.deviceId}/commands/ack`, JSON.stringify({ commandId: ids[1] }), { qos: 1 });
    const marker = await send(a.deviceId, { name: 'marker' });
    await late.publishAsync(`devices/${world.tenant}:${a.deviceId}/commands/ack`, JSON.stringify({ commandId: marker.body.commandId }), { qos: 1 });
    await waitStatus(a.deviceId, marker.body.commandId as string, 'acknowledged');
    expect(await statusOf(a.deviceId, ids[1])).toBe('expired');
    expect((await metricSum('geopulse_ingest_commands_expired_total')) - before).toBe(ids.length);
  });

  it('lists newest first, page by page', async () => {
    const device = await world.device();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await send(device.deviceId, { name: 'step', args: { i } })).body.commandId as string);
    const first = await world.call('GET', `/v1/devices/${device.deviceId}/commands?limit=2`);
    expect((first.body.items as Array<{ commandId: string }>).map((c) => c.commandId)).toEqual([ids[2], ids[1]]);
    const second = await world.call('GET', `/v1/devices/${device.deviceId}/commands?limit=2&cursor=${first.body.nextCursor as string}`);
    expect((second.body.items as Array<{ commandId: string }>).map((c) => c.commandId)).toEqual([ids[0]]);
  });

  it('answers bad input with 400 naming the path, an unknown or another tenant\'s device with 404, and a viewer with 403 naming the action, even for bad input', async () => {
    const device = await world.device();
    const cases: Array<[unknown, string]> = [
      [{}, '/name'],
      [{ name: 'set temperature' }, '/name'],
      [{ name: 'x', args: { nested: { deep: 1 } } }, '/args/nested'],
      [{ name: 'x', args: ['a'] }, '/args'],
      [{ name: 'x', ttlSeconds: 100_000 }, '/ttlSeconds'],
      [{ name: 'x', sneaky: true }, '/sneaky'],
      [['an', 'array'], ''],
    ];
    for (const [body, path] of cases) {
      const answer = await send(device.deviceId, body);
      expect([body, answer.status, answer.body.code, (answer.body.errors as Array<{ path: string }>)?.[0]?.path]).toEqual([body, 400, 'INVALID_COMMAND', path]);
    }
    expect((await send('no-such-device', { name: 'x' })).body).toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    expect((await send('no-such-device', { name: 'x' })).status).toBe(404);
    const otherTenant = await signDevelopmentToken(world.secret, { sub: 'mallory', tenant: `other-${randomUUID().slice(0, 6)}`, roles: ['admin'] });
    const foreign = await send(device.deviceId, { name: 'x' }, { token: otherTenant });
    expect([foreign.status, foreign.body.code]).toEqual([404, 'DEVICE_NOT_FOUND']);
    expect((await world.call('GET', `/v1/devices/${device.deviceId}/commands`, { token: otherTenant })).status).toBe(404);
    expect((await world.call('GET', `/v1/devices/${device.deviceId}/commands/not-a-command`)).status).toBe(404);
    const viewer = await signDevelopmentToken(world.secret, { sub: 'vera', tenant: world.tenant, roles: ['viewer'] });
    const refused = await send(device.deviceId, { name: 'x' }, { token: viewer });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'FORBIDDEN', action: 'command:send', policyIds: [] });
    // Authorization before validation: a caller who may send nothing learns nothing about the body.
    const refusedInvalid = await send(device.deviceId, { name: '1 bad' }, { token: viewer });
    expect([refusedInvalid.status, refusedInvalid.body.code]).toEqual([403, 'FORBIDDEN']);
    expect((await world.call('GET', `/v1/devices/${device.deviceId}/commands`)).body.items).toEqual([]);
  });

  it('keeps the tenant\'s time zone: UTC by default, an IANA name when set, 400 for anything else', async () => {
    expect((await world.call('GET', '/v1/tenant/settings')).body).toEqual({ timeZone: 'UTC' });
    const bad = await world.call('PUT', '/v1/tenant/settings', { body: { timeZone: 'Mars/Olympus' } });
    expect([bad.status, bad.body.code]).toEqual([400, 'INVALID_SETTINGS']);
    expect((await world.call('PUT', '/v1/tenant/settings', { body: { timeZone: 'UTC', colour: 'blue' } })).status).toBe(400);
    const set = await world.call('PUT', '/v1/tenant/settings', { body: { timeZone: 'Europe/Amsterdam' } });
    expect(set.body).toMatchObject({ timeZone: 'Europe/Amsterdam', updatedBy: 'ingest-it' });
    expect((await world.call('GET', '/v1/tenant/settings', { replica: 1 })).body).toMatchObject({ timeZone: 'Europe/Amsterdam' });
  });
});
