import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { waitFor } from '@geopulse/testing';
import { connectDevice, connectOutcome, IngestFixture, reading, waitReady } from './ingest-fixture';

// The bridge on, with a share group of this file only (sessions of other runs never take our messages).
const world = new IngestFixture({ MQTT_URL: process.env.MQTT_URL, MQTT_SHARE_GROUP: `it-${randomUUID().slice(0, 8)}`, MQTT_CONNECTIONS: '2', INGEST_RATE_PER_DEVICE: '100000', INGEST_RATE_BURST: '100000' });
const publishers: MqttClient[] = [];

/** A device's own MQTT connection (its key as password; docs/decisions/0103). */
async function publisherOf(device: { deviceId: string; key: string }, options: { reconnectPeriod?: number } = {}): Promise<MqttClient> {
  const client = await connectDevice(world.tenant, device.deviceId, device.key, options);
  publishers.push(client);
  return client;
}

/** The PUBACK reason code of a QoS 1 publish: 0 when accepted. */
const pubackCode = (client: MqttClient, topic: string, payload: string) =>
  client.publishAsync(topic, payload, { qos: 1 }).then(
    () => 0,
    (err: { code?: number }) => err.code,
  );

beforeAll(async () => {
  await world.start();
});
afterAll(async () => {
  await Promise.all(publishers.map((p) => p.endAsync(true)));
  await world.stop();
});

const topicOf = (deviceId: string, tenant = world.tenant) => `devices/${tenant}:${deviceId}/telemetry`;

describe('MQTT bridge', () => {
  it('writes published readings to Kafka, dead-letters invalid payloads with the reason, and the broker refuses unknown and disabled devices and foreign topics', async () => {
    const device = await world.device();
    const disabled = await world.device(undefined, { enabled: false });
    const publisher = await publisherOf(device);
    const ids = Array.from({ length: 20 }, (_, i) => `mq-${device.deviceId}-${i}`);
    for (const id of ids) await publisher.publishAsync(topicOf(device.deviceId), JSON.stringify(reading({ id })), { qos: 1 });
    await publisher.publishAsync(topicOf(device.deviceId), JSON.stringify({ readings: [reading({ id: `${device.deviceId}-b1` }), reading({ id: `${device.deviceId}-b2` })] }), { qos: 1 });
    // Unknown devices, other devices' topics and topics naming no device no longer reach the bridge: the broker says no.
    expect(await pubackCode(publisher, topicOf('nobody'), JSON.stringify(reading()))).toBe(135);
    expect(await pubackCode(publisher, topicOf(disabled.deviceId), JSON.stringify(reading()))).toBe(135);
    expect(await pubackCode(publisher, `devices/${device.deviceId}/telemetry`, JSON.stringify(reading()))).toBe(135);
    expect(await connectOutcome({ username: `${world.tenant}:${disabled.deviceId}`, password: disabled.key })).toBe(135);
    await publisher.publishAsync(topicOf(device.deviceId), JSON.stringify(reading({ position: { lat: 91, lon: 0 } })), { qos: 1 });
    await publisher.publishAsync(topicOf(device.deviceId), '{"ts":', { qos: 1 });
    await publisher.publishAsync(topicOf(device.deviceId), JSON.stringify(reading({ deviceId: 'someone-else' })), { qos: 1 });

    const records = await world.records('telemetry', ids.length + 2);
    const own = records.filter((r) => r.key === `${world.tenant}:${device.deviceId}`);
    // A shared subscription spreads one device's messages over the bridge's connections: all arrive, order is by event time.
    expect(own.map((r) => r.headers.ce_id).sort()).toEqual([...ids, `${device.deviceId}-b1`, `${device.deviceId}-b2`].sort());
    const dead = await world.records('deadLetter', 3);
    const reasons = dead.map((r) => [r.headers['geopulse-dlq-topic'], r.headers['geopulse-dlq-reason']]);
    expect(reasons).toEqual(
      expect.arrayContaining([
        [`mqtt:${topicOf(device.deviceId)}`, 'invalid-reading'],
        [`mqtt:${topicOf(device.deviceId)}`, 'malformed-json'],
        [`mqtt:${topicOf(device.deviceId)}`, 'device-mismatch'],
      ]),
    );
    // The refused publishes preceded these dead letters on one connection: none of them got through.
    expect(dead.filter((r) => r.headers['geopulse-dlq-topic'] !== `mqtt:${topicOf(device.deviceId)}`)).toEqual([]);
    expect(dead.find((r) => r.headers['geopulse-dlq-reason'] === 'invalid-reading')!.headers['geopulse-dlq-detail']).toContain('/position/lat');
  });

  it('loses no message when ingest is SIGKILLed while messages are in flight', async () => {
    const device = await world.device();
    const publisher = await publisherOf(device);
    const total = 600;
    const ids = Array.from({ length: total }, (_, i) => `kill-${device.deviceId}-${i}`);
    let sent = 0;
    const publishing = (async () => {
      for (const id of ids) {
        await publisher.publishAsync(topicOf(device.deviceId), JSON.stringify(reading({ id })), { qos: 1 });
        sent++;
      }
    })();
    // Kill once the bridge is busy, so some messages are held unacknowledged.
    await waitFor(async () => (sent >= 150 ? true : undefined), { timeoutMs: 30_000, description: 'publishing under way' });
    const exit = await world.ingest.kill();
    expect(exit.signal).toBe('SIGKILL');
    await publishing; // the broker keeps queuing for the bridge's sessions while ingest is down
    await world.ingest.start();
    await waitReady(world.ingest);

    await waitFor(async () => {
      const all = await world.records('telemetry');
      const got = new Set(all.filter((r) => r.key === `${world.tenant}:${device.deviceId}`).map((r) => r.headers.ce_id));
      return ids.every((id) => got.has(id)) ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 1000, description: `all ${total} readings in Kafka after the restart` });
    const all = (await world.records('telemetry')).filter((r) => r.key === `${world.tenant}:${device.deviceId}`);
    process.stdout.write(`mqtt SIGKILL: ${total} published, ${new Set(all.map((r) => r.headers.ce_id)).size} distinct in Kafka, ${all.length - total} redelivered duplicates\n`);
  });
});
