import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { alertEvent } from '../../test-support/events';
import { AddressAllowList } from '../../domain/url-policy';
import { verifyWebhookSignature } from '../../domain/webhook-signature';
import { CloudEventsWebhookSender } from './cloudevents.webhook-sender';
import { policyLookup, postWithPolicy, RefusedAddressError } from './pinned-http.client';

// A real HTTP server on loopback (no mocks): /redirect-same -> /ok, /redirect-other -> another host.
let server: Server;
let port = 0;
const bodies: Array<{ path: string; body: string; headers: Record<string, string | string[] | undefined> }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push({ path: req.url ?? '', body, headers: req.headers });
      if (req.url === '/redirect-same') res.writeHead(307, { location: '/ok' });
      else if (req.url === '/redirect-other') res.writeHead(307, { location: 'http://example.com/x' });
      else res.writeHead(req.url === '/gone' ? 410 : 204);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const event = alertEvent();
const resolveLoopback = async () => ['127.0.0.1'];
const allowLoopback = new AddressAllowList(['127.0.0.1', '::1']);
const channel = (path: string, host = '127.0.0.1') => ({ type: 'webhook' as const, url: `http://${host}:${port}${path}`, secret: 'a-secret-of-16-chars', mode: 'binary' as const });

describe('policy lookup', () => {
  it('refuses a name that resolves to loopback at connect time unless allow-listed', async () => {
    const url = new URL(`http://localhost:${port}/ok`);
    await expect(postWithPolicy(url, {}, '{}', 2000, policyLookup(new AddressAllowList([])))).rejects.toBeInstanceOf(RefusedAddressError);
    await expect(postWithPolicy(url, {}, '{}', 2000, policyLookup(allowLoopback))).resolves.toMatchObject({ status: 204 });
  });
});

describe('CloudEventsWebhookSender', () => {
  const sender = new CloudEventsWebhookSender(resolveLoopback, allowLoopback, 2000, () => 1000);

  it('sends a signed binary CloudEvent and follows a redirect to the same host', async () => {
    expect(await sender.send(channel('/redirect-same'), event, 's1#e1')).toEqual({ kind: 'delivered' });
    const ok = bodies.filter((b) => b.path === '/ok').at(-1)!;
    expect(ok.headers['ce-id']).toBe('e1');
    expect(verifyWebhookSignature('a-secret-of-16-chars', { timestamp: ok.headers['x-geopulse-timestamp'] as string, signature: ok.headers['x-geopulse-signature'] as string }, ok.body, 1000)).toBe(true);
  });

  it('refuses redirects to another host and treats 4xx as final', async () => {
    expect(await sender.send(channel('/redirect-other'), event, 's1#e1')).toMatchObject({ kind: 'permanent', error: expect.stringContaining('another host') });
    expect(await sender.send(channel('/gone'), event, 's1#e1')).toEqual({ kind: 'permanent', error: 'HTTP 410' });
  });

  it('retries when nothing listens', async () => {
    const closed = { ...channel('/ok'), url: 'http://127.0.0.1:1/ok' };
    expect(await sender.send(closed, event, 's1#e1')).toMatchObject({ kind: 'retryable', error: expect.stringContaining('ECONNREFUSED') });
  });

  it('refuses a non-allow-listed private target before sending', async () => {
    const strict = new CloudEventsWebhookSender(resolveLoopback, new AddressAllowList([]), 2000);
    expect(await strict.send(channel('/ok'), event, 's1#e1')).toMatchObject({ kind: 'permanent', error: expect.stringContaining('loopback') });
  });
});
