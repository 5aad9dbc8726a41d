import { randomBytes, randomUUID } from 'node:crypto';
import { signDevelopmentToken } from '@geopulse/auth';
import { ServiceProcess } from '@geopulse/testing';

/** A fresh tenant and operator token per test file, so files never see each other's data. */
export async function operatorFor(secret: string): Promise<{ tenant: string; token: string }> {
  const tenant = `t-${randomUUID().slice(0, 8)}`;
  return { tenant, token: await signDevelopmentToken(secret, { sub: 'e2e', tenant }) };
}

export function newJwtSecret(): string {
  return randomBytes(24).toString('hex');
}

/** Starts services as real processes with the stack's environment and a shared secret. */
export async function startServices(names: string[], env: Record<string, string>, startTimeoutMs?: number): Promise<Record<string, ServiceProcess>> {
  const started = await Promise.all(names.map((name) => ServiceProcess.start({ name, env: { KAFKA_PARTITIONS: '3', ...env }, ...(startTimeoutMs ? { startTimeoutMs } : {}) })));
  return Object.fromEntries(started.map((service, i) => [names[i], service]));
}

export async function post(url: string, token: string, body: string, contentType = 'application/json', headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType, ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export async function get(url: string, token: string) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Great-circle distance in metres (ground truth for geo queries). */
export function haversineMeters(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const R = 6372797.560856; // the Earth radius Redis uses for GEO commands
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}
