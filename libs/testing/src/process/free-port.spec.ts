import * as net from 'node:net';
import { freePort, freePorts } from './free-port';

describe('freePorts', () => {
  it('hands out distinct ports that can be bound on loopback', async () => {
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
    const port = await freePort();
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
