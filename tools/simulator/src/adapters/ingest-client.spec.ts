import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimulatedReading } from '../domain/device-feed';
import { IngestClient } from './ingest-client';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

const readings: SimulatedReading[] = [
  { deviceId: 'vehicle-1', ts: '2026-11-22T10:00:00.000Z', position: { lat: 52.37, lon: 4.89 }, metrics: { fuel: 50, engineOn: true } },
];

describe('IngestClient', () => {
  let server: Server;
  let handler: Handler;
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => handler(req, body, res));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const client = (timeoutMs = 2000) => new IngestClient(url, async () => 'the-token', timeoutMs);
  const signal = () => new AbortController().signal;

  it('posts {"readings": [...]} with the bearer token and reads the accepted count', async () => {
    let seen: { path?: string; auth?: string; body?: unknown } = {};
    handler = (req, body, res) => {
      seen = { path: req.url, auth: req.headers.authorization, body: JSON.parse(body) };
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: 1, ids: ['x'] }));
    };
    const outcome = await client().post(readings, signal());
    expect(outcome).toMatchObject({ kind: 'accepted', status: 202, accepted: 1 });
    expect(seen).toEqual({ path: '/v1/telemetry', auth: 'Bearer the-token', body: { readings } });
  });

  it('returns the code and Retry-After of a 503', async () => {
    handler = (_req, _body, res) =>
      res.writeHead(503, { 'retry-after': '5', 'content-type': 'application/json' }).end(JSON.stringify({ code: 'KAFKA_UNAVAILABLE', message: 'Kafka did not acknowledge' }));
    expect(await client().post(readings, signal())).toMatchObject({ kind: 'rejected', status: 503, code: 'KAFKA_UNAVAILABLE', retryAfterMs: 5000 });
  });

  it('names the first invalid item of a 400', async () => {
    handler = (_req, _body, res) =>
      res.writeHead(400, { 'content-type': 'application/json' }).end(
        JSON.stringify({ code: 'INVALID_READING', message: 'invalid readings', errors: [{ index: 0, path: '/ts', message: 'is required' }, { index: 1, path: '/ts', message: 'is required' }] }),
      );
    expect(await client().post(readings, signal())).toMatchObject({
      kind: 'rejected',
      status: 400,
      code: 'INVALID_READING',
      message: 'invalid readings: [0]/ts is required (+1 more)',
    });
  });

  it('reports a refused connection and a timeout as unreachable, never throwing', async () => {
    const spare = createServer().listen(0, '127.0.0.1');
    await once(spare, 'listening');
    const freedPort = (spare.address() as AddressInfo).port;
    await new Promise((resolve) => spare.close(resolve));
    const closed = new IngestClient(`http://127.0.0.1:${freedPort}`, async () => 't', 1000);
    expect(await closed.post(readings, signal())).toMatchObject({ kind: 'unreachable', error: 'ECONNREFUSED' });
    handler = () => undefined; // never answers
    expect(await client(200).post(readings, signal())).toMatchObject({ kind: 'unreachable', error: 'request timed out' });
  });
});
