import * as net from 'node:net';

/** Resolves true once a GET of `url` answers 2xx. */
export async function httpOk(url: string, timeoutMs = 2000): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  await response.arrayBuffer();
  return response.ok;
}

/** Resolves true once the SMTP server on `port` greets with 220. */
export function smtpGreets(port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no SMTP greeting'));
    }, timeoutMs);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.includes('\n')) {
        clearTimeout(timer);
        socket.end('QUIT\r\n');
        resolve(received.startsWith('220'));
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
