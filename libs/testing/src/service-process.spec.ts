import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ServiceProcess } from './service-process';

/** A stand-in for services/<name>/dist/main.js: /healthz on PORT, graceful SIGTERM. */
const FAKE_SERVICE = `
const http = require('node:http');
if (process.env.FAIL_AT_START) { console.error('GEOPULSE_JWT_SECRET is required'); process.exit(78); }
const server = http.createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ status: 'ok', greeting: process.env.GREETING ?? null }));
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT));
process.on('SIGTERM', () => { console.log('draining'); server.close(() => process.exit(0)); });
`;

describe('ServiceProcess', () => {
  let dir: string;
  let entry: string;
  const services: ServiceProcess[] = [];

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'service-process-'));
    entry = path.join(dir, 'main.js');
    fs.writeFileSync(entry, FAKE_SERVICE);
  });
  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => (service.isRunning ? service.kill() : undefined)));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function service(env: Record<string, string | undefined> = {}): ServiceProcess {
    const created = new ServiceProcess({ name: 'fake', entry, env, logDir: dir, startTimeoutMs: 5000 });
    services.push(created);
    return created;
  }

  it('starts with the given environment and is ready once /healthz answers 200', async () => {
    const fake = await service({ GREETING: 'hello' }).start();
    const body = (await (await fetch(`${fake.baseUrl}/healthz`)).json()) as { greeting: string };
    expect(body.greeting).toBe('hello');
    expect(fake.logTail()).toContain(`listening on ${fake.port}`);
  });

  it('stops gracefully with SIGTERM and reports the exit', async () => {
    const fake = await service().start();
    expect(await fake.stop()).toEqual({ code: 0, signal: null });
    expect(fake.isRunning).toBe(false);
    expect(fake.logTail()).toContain('draining');
    expect(fs.readFileSync(fake.logPath as string, 'utf8')).toContain('draining');
  });

  it('kill() is a crash: SIGKILL', async () => {
    const fake = await service().start();
    expect(await fake.kill()).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('restarts on the same port', async () => {
    const fake = await service().start();
    const port = fake.port;
    await fake.restart();
    expect(fake.port).toBe(port);
    expect((await fetch(`${fake.baseUrl}/healthz`)).status).toBe(200);
  });

  it('fails with the output when the service exits during start-up', async () => {
    await expect(service({ FAIL_AT_START: '1' }).start()).rejects.toThrow(
      /exited during start-up with code 78[\s\S]*GEOPULSE_JWT_SECRET is required/,
    );
  });

  it('names the build command when the entry point is missing', async () => {
    const missing = new ServiceProcess({ name: 'no-such-service', logDir: dir });
    await expect(missing.start()).rejects.toThrow(/npx nx build no-such-service/);
  });
});
