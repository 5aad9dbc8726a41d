import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { kafkaSettings, type KafkaSettings } from '@geopulse/config';
import { JsonLogger } from '@geopulse/observability';
import { startStack, waitFor, type StackHandle } from '@geopulse/testing';
import type { ISocketFactory, Kafka, RequestEvent } from 'kafkajs';
import { createKafkaClient, type BearerToken } from '../src';

// A broker of its own with a SASL_SSL listener (certificates made by openssl for this run):
// OAUTHBEARER checked by Kafka's unsecured-JWT development validator, standing in for MSK's
// IAM validator, and SCRAM-SHA-512. Clients are configured from the same variables as in
// production (KAFKA_SSL=true, KAFKA_SASL_MECHANISM, AWS_REGION); the only seams are the token
// generator (instead of the AWS signer) and the socket factory, which trusts this run's CA
// and counts connections.

/** Broker-side session cap (connections.max.reauth.ms): kafkajs re-authenticates 10 s before it ends. */
const MAX_REAUTH_MS = 15_000;
const scramUser = { name: 'geopulse-it', password: randomBytes(12).toString('hex') };
const log = new JsonLogger('kafka-sasl-it', 'error', () => undefined).child('test');

let stack: StackHandle;
let saslBrokers: string;
let caPem: string;

/** A throw-away CA and a broker certificate for 127.0.0.1 signed by it. */
function makeCertificates(dir: string): { caPem: string; privateKeyPem: string; certificateChainPem: string } {
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '1', '-subj', '/CN=geopulse-test-ca');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('broker.key'), '-out', file('broker.csr'), '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(file('san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', file('broker.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('broker.pem'), '-days', '1', '-extfile', file('san.cnf'));
  const read = (name: string) => fs.readFileSync(file(name), 'utf8');
  return { caPem: read('ca.pem'), privateKeyPem: read('broker.key'), certificateChainPem: read('broker.pem') };
}

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'geopulse-sasl-'));
  const certificates = makeCertificates(fs.mkdtempSync(path.join(dir, 'tls-')));
  caPem = certificates.caPem;
  stack = await startStack({
    dir,
    components: ['kafka'],
    kafka: { sasl: { scramUsers: [scramUser], maxReauthMs: MAX_REAUTH_MS, tls: certificates } },
  });
  saslBrokers = stack.env.KAFKA_SASL_BROKERS;
}, 180_000);

afterAll(async () => {
  if (!stack) return;
  await stack.stop();
  fs.rmSync(stack.dir, { recursive: true, force: true });
});

/** An unsigned JWT (`alg: none`) that the unsecured validator accepts while `exp` is ahead. */
function unsecuredJwtGenerator(lifetimeMs: number) {
  const issued: BearerToken[] = [];
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const generate = async (): Promise<BearerToken> => {
    const now = Date.now();
    const token = {
      value: `${encode({ alg: 'none' })}.${encode({ sub: 'geopulse-it', iat: now / 1000, exp: (now + lifetimeMs) / 1000 })}.`,
      expiresAt: now + lifetimeMs,
    };
    issued.push(token);
    return token;
  };
  return { issued, generate };
}

/**
 * TLS sockets that trust this run's CA, only when kafkajs asks for TLS (KAFKA_SSL=true); counts
 * the connections opened and those the broker closed (its FIN before ours).
 */
function testSockets() {
  const counts = { opened: 0, plaintextRequested: 0, closedByBroker: 0 };
  const socketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    counts.opened += 1;
    if (!ssl) counts.plaintextRequested += 1;
    const socket = tls.connect({ ...(typeof ssl === 'object' ? ssl : {}), host, port, ca: [caPem] }, onConnect);
    let endedHere = false;
    const end = socket.end.bind(socket);
    socket.end = ((...args: Parameters<typeof socket.end>) => {
      endedHere = true;
      return end(...args);
    }) as typeof socket.end;
    socket.on('end', () => {
      if (!endedHere) counts.closedByBroker += 1;
    });
    return socket;
  };
  return { counts, socketFactory };
}

async function createTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

function mskIamSettings(): KafkaSettings {
  return kafkaSettings({ KAFKA_BROKERS: saslBrokers, KAFKA_SASL_MECHANISM: 'aws-msk-iam', KAFKA_SSL: 'true', AWS_REGION: 'eu-west-1' });
}

describe('KAFKA_SASL_MECHANISM=aws-msk-iam wiring (SASL/OAUTHBEARER over TLS) on a real broker', () => {
  it('produces and consumes over OAUTHBEARER, re-authenticates open and idle connections in place and refreshes the token before it expires', async () => {
    // 75 s tokens with the provider's 60 s refresh margin: a new token every ~15 s, each
    // accepted for a broker session of 15 s (MAX_REAUTH_MS), so one run sees both.
    const tokens = unsecuredJwtGenerator(75_000);
    const sockets = testSockets();
    const kafka = createKafkaClient(mskIamSettings(), 'sasl-it', log, { oauthBearerToken: tokens.generate, socketFactory: sockets.socketFactory });
    const topic = `sasl-it-${randomUUID().slice(0, 8)}`;
    await createTopic(createKafkaClient(mskIamSettings(), 'sasl-it-admin', log, { oauthBearerToken: tokens.generate, socketFactory: testSockets().socketFactory }), topic);

    const authentications = { count: 0 };
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: `sasl-it-${randomUUID()}`, heartbeatInterval: 1000 });
    const countAuthentications = ({ payload }: RequestEvent) => {
      if (payload.apiName === 'SaslAuthenticate') authentications.count += 1;
    };
    producer.on(producer.events.REQUEST, countAuthentications);
    consumer.on(consumer.events.REQUEST, countAuthentications);
    const received: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void received.push(message.value?.toString() ?? '') });
    await producer.connect();

    // Traffic for longer than two broker sessions and two token lifetimes-minus-margin.
    const sent: string[] = [];
    const started = Date.now();
    while (Date.now() - started < 2 * MAX_REAUTH_MS + 5_000) {
      const value = `m-${sent.length}`;
      await producer.send({ topic, messages: [{ value }] });
      sent.push(value);
      // Pacing, not waiting for an effect: steady traffic across several broker sessions.
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await waitFor(async () => received.length >= sent.length, { timeoutMs: 30_000, description: 'every message consumed' });

    // An idle connection outlives its session: kafkajs re-authenticates it before the next
    // request (the broker would close it on any other request after expiry).
    await new Promise((resolve) => setTimeout(resolve, MAX_REAUTH_MS + 2_000));
    await producer.send({ topic, messages: [{ value: 'after-idle' }] });
    sent.push('after-idle');
    await waitFor(async () => received.length >= sent.length, { timeoutMs: 30_000, description: 'the message after the idle period consumed' });
    await producer.disconnect();
    await consumer.disconnect();

    expect(received).toEqual(sent);
    // Fresh tokens were generated while the connections stayed up ...
    expect(tokens.issued.length).toBeGreaterThanOrEqual(2);
    // ... and sent on open connections: more authentications than connections, none closed by the broker.
    expect(sockets.counts.closedByBroker).toBe(0);
    expect(sockets.counts.plaintextRequested).toBe(0);
    expect(authentications.count).toBeGreaterThan(sockets.counts.opened);
  }, 150_000);

  it('fails to connect with the signer\'s cause when no token can be generated', async () => {
    const kafka = createKafkaClient(mskIamSettings(), 'sasl-it', log, {
      socketFactory: testSockets().socketFactory,
      oauthBearerToken: async () => {
        throw new Error('Could not load credentials from any providers');
      },
    });
    const producer = kafka.producer();
    const error = (await producer.connect().catch((e: unknown) => e)) as Error;
    await producer.disconnect();
    expect(error.message).toBe(
      'MSK IAM (eu-west-1): could not generate a SASL/OAUTHBEARER token (Error: Could not load credentials from any providers)',
    );
  });
});

describe('KAFKA_SASL_MECHANISM=scram-sha-512 over TLS on a real broker', () => {
  const scramSettings = (password: string) =>
    kafkaSettings({
      KAFKA_BROKERS: saslBrokers,
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: scramUser.name,
      KAFKA_SASL_PASSWORD: password,
    });

  it('produces and consumes as a SCRAM user created at format time', async () => {
    const kafka = createKafkaClient(scramSettings(scramUser.password), 'scram-it', log, { socketFactory: testSockets().socketFactory });
    const topic = `scram-it-${randomUUID().slice(0, 8)}`;
    await createTopic(kafka, topic);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value: 'over SCRAM' }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `scram-it-${randomUUID()}` });
    const received: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void received.push(message.value?.toString() ?? '') });
    await waitFor(async () => received.length > 0, { timeoutMs: 30_000, description: 'the message consumed' });
    await consumer.disconnect();
    expect(received).toEqual(['over SCRAM']);
  });

  it('refuses a wrong password with an authentication error that does not echo it', async () => {
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const admin = createKafkaClient(scramSettings(wrong), 'scram-it', log, { socketFactory: testSockets().socketFactory }).admin();
    const error = (await admin.connect().catch((e: unknown) => e)) as Error;
    await admin.disconnect();
    expect(error.name).toBe('KafkaJSSASLAuthenticationError');
    expect(error.message).toMatch(/^SASL SCRAM SHA512 authentication failed: .*invalid credentials/);
    expect(error.message).not.toContain(wrong);
  });
});
