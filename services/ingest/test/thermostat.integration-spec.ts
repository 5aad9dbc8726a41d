import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { policiesOfFile, signDevelopmentToken } from '@geopulse/auth';
import { waitFor } from '@geopulse/testing';
import { connectDevice, IngestFixture, type Answer } from './ingest-fixture';

// The seed's smart thermostat (issue 13, "Must show"): the tenant's Cedar policies
// (docs/policies/thermostat.cedar, added through /v1/policies) decide who may set which
// temperature when; accepted commands reach the device over the real broker.
const world = new IngestFixture({ MQTT_URL: process.env.MQTT_URL, MQTT_SHARE_GROUP: `it-${randomUUID().slice(0, 8)}`, MQTT_CONNECTIONS: '1' });
const THERMOSTAT = 'thermostat-1';
// Policy ids are lower-case (the @id of the statement in docs/policies/thermostat.cedar, lower-cased).
const GUEST_RANGE = 'thermostat-guest-only-72-to-78f';
const UTILITY_HOURS = 'thermostat-utility-only-14-to-17';
let device: MqttClient;
const received: Array<{ commandId: string; name: string; args: Record<string, unknown> }> = [];
const as: Record<'owner' | 'guest' | 'utility' | 'stranger' | 'strangerAdmin', string> = { owner: '', guest: '', utility: '', stranger: '', strangerAdmin: '' };

beforeAll(async () => {
  await world.start();
  const other = `other-${randomUUID().slice(0, 8)}`;
  as.owner = await signDevelopmentToken(world.secret, { sub: 'olivia', tenant: world.tenant, roles: [] });
  as.guest = await signDevelopmentToken(world.secret, { sub: 'gary', tenant: world.tenant, roles: ['guest'] });
  as.utility = await signDevelopmentToken(world.secret, { sub: 'power-co', tenant: world.tenant, roles: ['utility'] });
  as.stranger = await signDevelopmentToken(world.secret, { sub: 'gary', tenant: other, roles: ['guest'] });
  as.strangerAdmin = await signDevelopmentToken(world.secret, { sub: 'mallory', tenant: other, roles: ['admin'] });
}, 180_000);

afterAll(async () => {
  await device?.endAsync(true);
  await world.stop();
});

/** Adds every statement of a Cedar file as one tenant policy through POST /v1/policies (as an admin of the tenant). */
async function installPolicies(file: string): Promise<string[]> {
  const ids: string[] = [];
  for (const p of policiesOfFile(readFileSync(file, 'utf8'))) {
    const created = await world.call('POST', '/v1/policies', { body: { id: p.id, policy: p.text } });
    if (created.status !== 201) throw new Error(`policy ${p.id}: ${created.status} ${JSON.stringify(created.body)}`);
    ids.push(p.id);
  }
  return ids;
}

const setTemperature = (token: string, value: number, deviceId = THERMOSTAT): Promise<Answer> =>
  world.call('POST', `/v1/devices/${deviceId}/commands`, { token, body: { name: 'setTemperature', args: { value, unit: 'F' } } });

/** A fixed-offset zone in which it is now `hour`:xx (Etc/GMT-3 is UTC+3). */
function zoneWhereItIs(hour: number): string {
  let offset = (hour - new Date().getUTCHours() + 24) % 24;
  if (offset > 14) offset -= 24;
  return offset === 0 ? 'Etc/GMT' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

async function deliveredToDevice(answer: Answer, value: number): Promise<void> {
  expect([answer.status, answer.body.status]).toEqual([202, 'delivered']);
  const commandId = answer.body.commandId as string;
  const message = await waitFor(async () => received.find((m) => m.commandId === commandId), { timeoutMs: 10_000, intervalMs: 50, description: `command ${commandId} on the thermostat's topic` });
  expect(message).toMatchObject({ name: 'setTemperature', args: { value, unit: 'F' } });
}

describe('the seed\'s smart thermostat, through the API, Cedar and the broker', () => {
  it('lets the owner set 65 °F, a guest 74 but not 80, the power company at 15:00 but not 18:00 tenant time, and nobody from another tenant', async () => {
    const created = await world.call('POST', '/v1/devices', { body: { deviceId: THERMOSTAT, owner: 'olivia', tags: ['hvac'] } });
    expect(created.status).toBe(201);
    device = await connectDevice(world.tenant, THERMOSTAT, (created.body.key as { key: string }).key);
    device.on('message', (_topic, message) => received.push(JSON.parse(message.toString()) as (typeof received)[number]));
    await device.subscribeAsync(`devices/${world.tenant}:${THERMOSTAT}/commands`, { qos: 1 });

    // Before the tenant's policies, only the built-in role policies apply: a guest may do nothing.
    const before = await setTemperature(as.guest, 74);
    expect([before.status, before.body.code, before.body.action]).toEqual([403, 'FORBIDDEN', 'command:send']);
    const ids = await installPolicies(join(__dirname, '../../../docs/policies/thermostat.cedar'));
    expect(ids).toEqual(expect.arrayContaining([GUEST_RANGE, UTILITY_HOURS]));

    // The owner, any temperature (waits for the policy set to reach this replica).
    const owner = await waitFor(
      async () => {
        const answer = await setTemperature(as.owner, 65);
        return answer.status === 202 ? answer : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, description: 'the tenant policies in effect' },
    );
    expect(owner.body.policyIds).toEqual(['thermostat-owner-any-temperature']);
    await deliveredToDevice(owner, 65);

    // A guest: 72-78 °F only.
    await deliveredToDevice(await setTemperature(as.guest, 74), 74);
    const tooWarm = await setTemperature(as.guest, 80);
    expect([tooWarm.status, tooWarm.body.code, tooWarm.body.action]).toEqual([403, 'FORBIDDEN', 'command:send']);
    expect(tooWarm.body.policyIds).toEqual([GUEST_RANGE]);
    expect(tooWarm.body.message).toContain(GUEST_RANGE);

    // The power company: 14:00-17:00 tenant time.
    expect((await world.call('PUT', '/v1/tenant/settings', { body: { timeZone: zoneWhereItIs(15) } })).status).toBe(200);
    const atThree = await setTemperature(as.utility, 70);
    await deliveredToDevice(atThree, 70);
    expect(atThree.body.policyIds).toEqual(['thermostat-utility-may-set-temperature']);
    expect((await world.call('PUT', '/v1/tenant/settings', { body: { timeZone: zoneWhereItIs(18) } })).status).toBe(200);
    const atSix = await setTemperature(as.utility, 70);
    expect([atSix.status, atSix.body.code, atSix.body.policyIds]).toEqual([403, 'FORBIDDEN', [UTILITY_HOURS]]);

    // Another tenant: the device does not exist there, whoever asks.
    for (const token of [as.stranger, as.strangerAdmin]) {
      const foreign = await setTemperature(token, 74);
      expect([foreign.status, foreign.body.code]).toEqual([404, 'DEVICE_NOT_FOUND']);
      expect(JSON.stringify(foreign.body)).not.toContain('olivia');
    }

    // The thermostat got exactly the accepted commands (a last one from the owner marks the end); the log says who sent what.
    const marker = await setTemperature(as.owner, 68);
    await deliveredToDevice(marker, 68);
    expect(received.map((m) => m.args.value)).toEqual([65, 74, 70, 68]);
    const log = await world.call('GET', `/v1/devices/${THERMOSTAT}/commands`);
    expect((log.body.items as Array<{ issuedBy: string; args: { value: number } }>).map((c) => [c.issuedBy, c.args.value])).toEqual([
      ['olivia', 68],
      ['power-co', 70],
      ['gary', 74],
      ['olivia', 65],
    ]);
  });
});
