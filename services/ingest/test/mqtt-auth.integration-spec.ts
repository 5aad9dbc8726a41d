import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { waitFor, type TopicRecord } from '@geopulse/testing';
import { connectDevice, connectOutcome, IngestFixture, reading } from './ingest-fixture';

// Devices on MQTT prove who they are with their key (docs/decisions/0103). The broker asks this
// file's ingest (on MQTT_AUTH_PORT); the harness broker trusts a yes for 1 s, ingest caches keys 1 s.
const world = new IngestFixture({
  MQTT_URL: process.env.MQTT_URL,
  MQTT_SHARE_GROUP: `it-${randomUUID().slice(0, 8)}`,
  // One bridge session: Kafka then holds readings in the order the broker took them, so a marker
  // published after the refused attempts proves they are not merely late.
  MQTT_CONNECTIONS: '1',
  INGEST_KEY_CACHE_TTL_MS: '1000',
});
const clients: MqttClient[] = [];
const NOT_AUTHORIZED = 135;

beforeAll(() => world.start());
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await world.stop();
});

const topicOf = (deviceId: string, suffix = 'telemetry') => `devices/${world.tenant}:${deviceId}/${suffix}`;
const username = (deviceId: string) => `${world.tenant}:${deviceId}`;

async function connect(device: { deviceId: string }, key: string): Promise<MqttClient> {
  const client = await connectDevice(world.tenant, device.deviceId, key);
  clients.push(client);
  return client;
}

/** PUBACK reason code of a QoS 1 publish of one reading with this id: 0 when the broker took it. */
function publish(client: MqttClient, topic: string, id: string, options: { userProperties?: Record<string, string> } = {}): Promise<number | undefined> {
  return client
    .publishAsync(topic, JSON.stringify(reading({ id })), { qos: 1, ...(options.userProperties ? { properties: { userProperties: options.userProperties } } : {}) })
    .then(
      () => 0,
      (err: { code?: number }) => err.code,
    );
}

/** The SUBACK of one filter: the granted QoS, or the reason code of the refusal. */
function subscribe(client: MqttClient, filter: string): Promise<number | undefined> {
  return client.subscribeAsync(filter, { qos: 1 }).then(
    (granted) => granted[0]?.qos,
    (err: { code?: number; packet?: { granted?: number[] } }) => err.packet?.granted?.[0] ?? err.code,
  );
}

/**
 * Every telemetry record once the one with id `marker` has arrived. The bridge has one session, so
 * it takes messages in the order the broker did: whatever the broker let through before the marker
 * was written to Kafka before it (on whichever partition).
 */
async function recordsUntil(marker: string): Promise<TopicRecord[]> {
  return waitFor(
    async () => {
      const all = await world.records('telemetry');
      return all.some((r) => r.headers.ce_id === marker) ? all : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500, description: `marker ${marker} in Kafka` },
  );
}

describe('MQTT device authentication', () => {
  it('takes a reading from a device with its key, and refuses a wrong key, another device\'s key, anonymous clients, a revoked key and foreign topics: nothing of theirs reaches Kafka', async () => {
    const a = await world.device();
    const b = await world.device();
    const revoked = await world.device();
    const spare = await world.call('POST', `/v1/devices/${revoked.deviceId}/keys`, { body: { graceSeconds: 3600 } });
    expect(spare.status).toBe(201);
    expect((await world.call('DELETE', `/v1/devices/${revoked.deviceId}/keys/${revoked.keyId}`)).status).toBe(204);

    const deviceA = await connect(a, a.key);
    expect(await publish(deviceA, topicOf(a.deviceId), `${a.deviceId}-first`)).toBe(0);

    const wrongSecret = `${a.key.slice(0, a.key.lastIndexOf('_'))}_${'A'.repeat(43)}`;
    expect(await connectOutcome({ username: username(a.deviceId), password: wrongSecret })).toBe(NOT_AUTHORIZED);
    expect(await connectOutcome({ username: username(a.deviceId), password: b.key })).toBe(NOT_AUTHORIZED);
    expect(await connectOutcome({ username: username(a.deviceId), password: 'not-a-key' })).toBe(NOT_AUTHORIZED);
    expect(await connectOutcome({})).toBe(NOT_AUTHORIZED);
    expect(await connectOutcome({ username: username(a.deviceId) })).toBe(NOT_AUTHORIZED);
    expect(await connectOutcome({ username: username(revoked.deviceId), password: revoked.key })).toBe(NOT_AUTHORIZED);
    // MQTT 3.1.1 clients are refused too (CONNACK 5).
    expect(await connectOutcome({ protocolVersion: 4, username: username(a.deviceId), password: b.key })).toBe(5);

    // Connected with its own key, A may still not write B's topic, nor name itself someone else.
    expect(await publish(deviceA, topicOf(b.deviceId), `${a.deviceId}-as-b`)).toBe(NOT_AUTHORIZED);
    expect(await publish(deviceA, `devices/${world.tenant}:${a.deviceId}/other`, `${a.deviceId}-other`)).toBe(NOT_AUTHORIZED);
    expect(await publish(deviceA, topicOf(a.deviceId), `${a.deviceId}-forged`, { userProperties: { 'geopulse-client': username(b.deviceId) } })).toBe(NOT_AUTHORIZED);

    // A key revoked while its device is connected stops its publishing within the caches' TTLs.
    const spareKey = spare.body.key as string;
    const sparekeyId = spare.body.keyId as string;
    const deviceR = await connect(revoked, spareKey);
    expect(await publish(deviceR, topicOf(revoked.deviceId), `${revoked.deviceId}-before`)).toBe(0);
    expect((await world.call('DELETE', `/v1/devices/${revoked.deviceId}/keys/${sparekeyId}`)).status).toBe(204);
    let attempt = 0;
    const refusedIds: string[] = [];
    await waitFor(
      async () => {
        const id = `${revoked.deviceId}-after-${attempt++}`;
        const code = await publish(deviceR, topicOf(revoked.deviceId), id);
        if (code === NOT_AUTHORIZED) refusedIds.push(id);
        return code === NOT_AUTHORIZED ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200, description: 'a publish with the revoked key refused' },
    );
    for (let i = 0; i < 3; i++) {
      const id = `${revoked.deviceId}-refused-${i}`;
      expect(await publish(deviceR, topicOf(revoked.deviceId), id)).toBe(NOT_AUTHORIZED);
      refusedIds.push(id);
    }

    // Positive marker: a legitimate reading published after every refused attempt arrives...
    const marker = `${a.deviceId}-marker`;
    expect(await publish(deviceA, topicOf(a.deviceId), marker)).toBe(0);
    const upToMarker = await recordsUntil(marker);
    const ids = upToMarker.map((r) => r.headers.ce_id);
    expect(ids).toEqual(expect.arrayContaining([`${a.deviceId}-first`, `${revoked.deviceId}-before`, marker]));
    // ...and nothing refused is in Kafka, nor anything as B, nor the forged message.
    for (const id of [`${a.deviceId}-as-b`, `${a.deviceId}-other`, `${a.deviceId}-forged`, ...refusedIds]) expect(ids).not.toContain(id);
    expect(upToMarker.filter((r) => r.key === `${world.tenant}:${b.deviceId}`)).toEqual([]);

    const metrics = await (await fetch(`${world.ingest.baseUrl}/metrics`)).text();
    for (const reason of ['UNKNOWN_DEVICE_KEY', 'WRONG_DEVICE', 'REVOKED_DEVICE_KEY']) {
      expect(metrics).toMatch(new RegExp(`geopulse_ingest_mqtt_refused_total\\{reason="${reason}"[^}]*\\} [1-9]`));
    }
  });

  it('after a rotation takes both keys during the grace period and only the new one after it', async () => {
    const device = await world.device();
    const rotated = await world.call('POST', `/v1/devices/${device.deviceId}/keys`, { body: { graceSeconds: 6 } });
    expect(rotated.status).toBe(201);
    const fresh = rotated.body.key as string;
    const validUntil = Date.parse(rotated.body.previousKeysValidUntil as string);

    const withOld = await connect(device, device.key);
    const withNew = await connect(device, fresh);
    expect(await publish(withOld, topicOf(device.deviceId), `${device.deviceId}-old-in-grace`)).toBe(0);
    expect(await publish(withNew, topicOf(device.deviceId), `${device.deviceId}-new-in-grace`)).toBe(0);
    expect(Date.now()).toBeLessThan(validUntil);

    await waitFor(async () => (Date.now() > validUntil ? true : undefined), { timeoutMs: 10_000, description: 'grace period over' });
    expect(await connectOutcome({ username: username(device.deviceId), password: device.key })).toBe(NOT_AUTHORIZED);
    // The connection opened with the old key loses its right to publish too.
    await waitFor(async () => ((await publish(withOld, topicOf(device.deviceId), `${device.deviceId}-old-late-${randomUUID().slice(0, 4)}`)) === NOT_AUTHORIZED ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 200,
      description: 'the old key\'s connection refused',
    });
    const after = await connect(device, fresh);
    const marker = `${device.deviceId}-new-after`;
    expect(await publish(after, topicOf(device.deviceId), marker)).toBe(0);
    expect(await publish(withNew, topicOf(device.deviceId), `${device.deviceId}-new-still`)).toBe(0);
    const ids = (await recordsUntil(marker)).map((r) => r.headers.ce_id);
    expect(ids).toEqual(expect.arrayContaining([`${device.deviceId}-old-in-grace`, `${device.deviceId}-new-in-grace`, marker]));
    expect(ids.filter((id) => id?.startsWith(`${device.deviceId}-old-late`))).toEqual([]);
  });

  it("lets a device subscribe to its own command topic only: it never receives another device's commands", async () => {
    const a = await world.device();
    const b = await world.device();
    const deviceA = await connect(a, a.key);
    const deviceB = await connect(b, b.key);
    for (const filter of [topicOf(b.deviceId, 'commands'), 'devices/+/commands', '#', `$share/g/${topicOf(b.deviceId, 'commands')}`, topicOf(b.deviceId)]) {
      expect([filter, await subscribe(deviceA, filter)]).toEqual([filter, NOT_AUTHORIZED]);
    }
    expect(await subscribe(deviceA, topicOf(a.deviceId, 'commands'))).toBe(1);
    expect(await subscribe(deviceB, topicOf(b.deviceId, 'commands'))).toBe(1);
    const receivedByA: string[] = [];
    const receivedByB: string[] = [];
    deviceA.on('message', (topic, payload) => receivedByA.push(`${topic} ${payload.toString()}`));
    deviceB.on('message', (topic, payload) => receivedByB.push(`${topic} ${payload.toString()}`));

    // The platform's own account writes commands (and devices may not write them).
    const platform = await mqtt.connectAsync(process.env.MQTT_URL!, { protocolVersion: 5, reconnectPeriod: 0, username: process.env.MQTT_USERNAME, password: process.env.MQTT_PASSWORD });
    clients.push(platform);
    expect(await deviceA.publishAsync(topicOf(b.deviceId, 'commands'), 'from-a', { qos: 1 }).then(() => 0, (err: { code?: number }) => err.code)).toBe(NOT_AUTHORIZED);
    await platform.publishAsync(topicOf(b.deviceId, 'commands'), 'for-b', { qos: 1 });
    await platform.publishAsync(topicOf(a.deviceId, 'commands'), 'for-a', { qos: 1 });

    await waitFor(async () => (receivedByA.length > 0 && receivedByB.length > 0 ? true : undefined), { timeoutMs: 10_000, description: 'both commands delivered' });
    // The marker for A arrived after B's command was published: A saw only its own.
    expect(receivedByA).toEqual([`${topicOf(a.deviceId, 'commands')} for-a`]);
    expect(receivedByB).toEqual([`${topicOf(b.deviceId, 'commands')} for-b`]);
  });
});
