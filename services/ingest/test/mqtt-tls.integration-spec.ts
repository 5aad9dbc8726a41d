import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, startStack, waitFor, type StackHandle } from '@geopulse/testing';
import { connectDevice, IngestFixture, reading } from './ingest-fixture';

// TLS on the MQTT listener (docs/decisions/0103): a broker of this file's own, with a server
// certificate signed by a CA made here with openssl; the bridge trusts that CA via MQTT_CA_FILE.
const tlsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'geopulse-mqtt-tls-'));
let broker: StackHandle | undefined;
let world: IngestFixture;

function makeCertificates(dir: string): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=geopulse test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr');
  fs.writeFileSync(path.join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'san.cnf', '-out', 'server.crt');
}

beforeAll(async () => {
  makeCertificates(tlsDir);
  const ingestPort = await freePort();
  const saved = { tls: process.env.GEOPULSE_MQTT_TLS_DIR, auth: process.env.GEOPULSE_MQTT_AUTH_URL };
  process.env.GEOPULSE_MQTT_TLS_DIR = tlsDir;
  process.env.GEOPULSE_MQTT_AUTH_URL = `http://127.0.0.1:${ingestPort}/internal/mqtt/authenticate`;
  try {
    broker = await startStack({ components: ['mosquitto'], dir: path.join(tlsDir, 'stack') });
  } finally {
    for (const [name, value] of [['GEOPULSE_MQTT_TLS_DIR', saved.tls], ['GEOPULSE_MQTT_AUTH_URL', saved.auth]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  world = new IngestFixture({
    MQTT_URL: broker.env.MQTT_URL,
    MQTT_USERNAME: broker.env.MQTT_USERNAME,
    MQTT_PASSWORD: broker.env.MQTT_PASSWORD,
    MQTT_AUTH_SECRET: broker.env.MQTT_AUTH_SECRET,
    MQTT_AUTH_PORT: String(ingestPort),
    MQTT_CA_FILE: path.join(tlsDir, 'ca.crt'),
    MQTT_CONNECTIONS: '1',
  });
  await world.start();
});
afterAll(async () => {
  await world?.stop();
  await broker?.stop();
  fs.rmSync(tlsDir, { recursive: true, force: true });
});

describe('MQTT over TLS', () => {
  it('carries a device reading over mqtts:// to Kafka, and a client that does not trust the CA cannot connect', async () => {
    expect(broker!.env.MQTT_URL).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    const device = await world.device();
    const ca = fs.readFileSync(path.join(tlsDir, 'ca.crt'));
    const client = await connectDevice(world.tenant, device.deviceId, device.key, { url: broker!.env.MQTT_URL, ca });
    try {
      await client.publishAsync(`devices/${world.tenant}:${device.deviceId}/telemetry`, JSON.stringify(reading({ id: `${device.deviceId}-tls` })), { qos: 1 });
    } finally {
      await client.endAsync();
    }
    await waitFor(async () => ((await world.records('telemetry')).some((r) => r.headers.ce_id === `${device.deviceId}-tls`) ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 500,
      description: 'the TLS reading in Kafka',
    });
    await expect(connectDevice(world.tenant, device.deviceId, device.key, { url: broker!.env.MQTT_URL, connectTimeout: 5000 })).rejects.toThrow(/certificate/i);
  });
});
