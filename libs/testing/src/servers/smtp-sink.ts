import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { sendJson } from './json-http';
import { toReceivedMail, type ReceivedMail } from './received-mail';
import { readPortFlag } from './server-args';

/**
 * SMTP sink for tests: accepts every message (any or no AUTH, no TLS), parses it, keeps the last
 * `maxMessages` in memory and serves them over HTTP:
 *   GET /messages[?to=addr]  -> ReceivedMail[] (oldest first)
 *   DELETE /messages         -> 204
 *   GET /healthz             -> 200
 * Run as: node smtp-sink.js --smtp-port P --http-port Q
 */
export interface SmtpSink {
  smtpPort: number;
  httpPort: number;
  close(): Promise<void>;
}

function address(value: SMTPServerAddress | false): string | undefined {
  return value ? value.address : undefined;
}

export async function startSmtpSink(options: {
  smtpPort: number;
  httpPort: number;
  host?: string;
  maxMessages?: number;
}): Promise<SmtpSink> {
  const host = options.host ?? '127.0.0.1';
  const maxMessages = options.maxMessages ?? 10_000;
  const messages: ReceivedMail[] = [];

  const smtp = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    hideSTARTTLS: true,
    authOptional: true,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN', 'CRAM-MD5'],
    size: 25 * 1024 * 1024,
    banner: 'geopulse smtp sink',
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    onData(stream, session: SMTPServerSession, callback) {
      simpleParser(stream)
        .then((parsed) => {
          messages.push(
            toReceivedMail(
              parsed,
              {
                mailFrom: address(session.envelope.mailFrom),
                rcptTo: session.envelope.rcptTo.map((recipient) => recipient.address),
              },
              randomUUID(),
              new Date(),
            ),
          );
          if (messages.length > maxMessages) messages.splice(0, messages.length - maxMessages);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  smtp.on('error', (error) => process.stderr.write(`smtp error: ${error.message}\n`));

  const api = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://sink');
    if (url.pathname === '/healthz') return sendJson(response, 200, { status: 'ok' });
    if (url.pathname === '/messages' && request.method === 'GET') {
      const to = url.searchParams.get('to')?.toLowerCase();
      const selected = to ? messages.filter((m) => m.to.some((r) => r.toLowerCase() === to)) : messages;
      return sendJson(response, 200, selected);
    }
    if (url.pathname === '/messages' && request.method === 'DELETE') {
      messages.length = 0;
      response.writeHead(204).end();
      return;
    }
    sendJson(response, 404, { error: `no route ${request.method} ${url.pathname}` });
  });

  await new Promise<void>((resolve, reject) => {
    smtp.server.once('error', reject);
    smtp.listen(options.smtpPort, host, () => resolve());
  });
  await new Promise<void>((resolve, reject) => {
    api.once('error', reject);
    api.listen(options.httpPort, host, () => resolve());
  });

  return {
    smtpPort: options.smtpPort,
    httpPort: options.httpPort,
    close: async () => {
      await new Promise<void>((resolve) => api.close(() => resolve()));
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    },
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const sink = await startSmtpSink({ smtpPort: readPortFlag(argv, 'smtp-port'), httpPort: readPortFlag(argv, 'http-port') });
  process.stdout.write(`smtp sink: SMTP on 127.0.0.1:${sink.smtpPort}, HTTP API on 127.0.0.1:${sink.httpPort}\n`);
  const shutdown = () => {
    // smtp-server waits for open client connections to close; do not let that hold a stop.
    setTimeout(() => process.exit(0), 1000).unref();
    void sink.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`smtp sink failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
