import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import Redis from 'ioredis';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import mqtt from 'mqtt';
import nodemailer from 'nodemailer';
import { componentControl, loadStack, OtlpQueryClient, readTopic, repoRoot, SmtpSinkClient, waitFor } from '../src';

const execFileAsync = promisify(execFile);

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the global setup should have started the stack`);
  return value;
}

const stackDir = () => env('GEOPULSE_STACK_DIR');

function kafkaClient(): Kafka {
  return new Kafka({
    clientId: `stack-it-${randomUUID()}`,
    brokers: env('KAFKA_BROKERS').split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 300 },
  });
}

describe('test stack', () => {
  it('exposes every variable the services read, pointing at loopback', () => {
    const names = [
      'KAFKA_BROKERS',
      'REDIS_URL',
      'DYNAMODB_ENDPOINT',
      'AWS_REGION',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'SMTP_URL',
      'SMTP_SINK_URL',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTLP_QUERY_URL',
      'MQTT_URL',
      'MQTT_USERNAME',
      'MQTT_PASSWORD',
      'MQTT_AUTH_SECRET',
      'MQTT_AUTH_PORT',
    ];
    expect(Object.keys(loadStack(stackDir()).env).sort()).toEqual([...names].sort());
    for (const name of names.filter((n) => !n.startsWith('AWS_') && !n.startsWith('MQTT_') )) expect(env(name)).toContain('127.0.0.1:');
    expect(env('MQTT_URL')).toContain('127.0.0.1:');
    expect(env('AWS_REGION')).toBe('us-east-1');
  });

  describe('kafka', () => {
    it('keeps a produced record across a broker outage, and refuses writes while down', async () => {
      const topic = `stack-it-${randomUUID()}`;
      const kafka = kafkaClient();
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
      await admin.disconnect();

      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      await producer.send({
        topic,
        acks: -1,
        messages: [{ key: 't1:dev-1', value: '{"n":1}', headers: { ce_type: 'io.geopulse.test.v1' } }],
      });
      await producer.disconnect();

      const before = await readTopic({ brokers: env('KAFKA_BROKERS'), topic, timeoutMs: 20_000, minRecords: 1 });
      expect(before).toHaveLength(1);
      expect(before[0]).toMatchObject({ key: 't1:dev-1', value: '{"n":1}', headers: { ce_type: 'io.geopulse.test.v1' } });

      const control = componentControl(stackDir(), 'kafka');
      await control.stop();
      expect(control.isRunning()).toBe(false);

      const outageProducer = kafkaClient().producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await expect(
        outageProducer.connect().then(() => outageProducer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'lost' }] })),
      ).rejects.toThrow();
      await outageProducer.disconnect().catch(() => undefined);

      const restartedAt = Date.now();
      await control.start();
      expect(control.isRunning()).toBe(true);
      expect(env('KAFKA_BROKERS')).toBe(`127.0.0.1:${control.ports.broker}`);
      process.stdout.write(`kafka restart took ${Date.now() - restartedAt} ms\n`);

      const after = await readTopic({ brokers: env('KAFKA_BROKERS'), topic, timeoutMs: 30_000 });
      expect(after.map((record) => record.value)).toEqual(['{"n":1}']);
      expect(after[0].offset).toBe(before[0].offset);
    });
  });

  it('redis answers PING', async () => {
    const redis = new Redis(env('REDIS_URL'), { maxRetriesPerRequest: 1 });
    try {
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });

  it('dynamodb local creates a table and stores an item', async () => {
    const client = new DynamoDBClient({ endpoint: env('DYNAMODB_ENDPOINT'), region: env('AWS_REGION') });
    const table = `stack-it-${randomUUID()}`;
    try {
      await client.send(
        new CreateTableCommand({
          TableName: table,
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'device#1' }, temperature: { N: '21.5' } } }));
      const { Item } = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'device#1' } } }));
      expect(Item).toEqual({ pk: { S: 'device#1' }, temperature: { N: '21.5' } });
    } finally {
      client.destroy();
    }
  });

  describe('smtp sink', () => {
    it('keeps a mail sent through SMTP_URL and serves it parsed', async () => {
      const sink = new SmtpSinkClient(env('SMTP_SINK_URL'));
      const subject = `Alert ${randomUUID()}`;
      const transport = nodemailer.createTransport(env('SMTP_URL'));
      await transport.sendMail({
        from: 'geopulse <alerts@geopulse.test>',
        to: 'ops@tenant-1.test',
        bcc: 'audit@tenant-1.test',
        subject,
        text: 'Office too cold while occupied',
        html: '<p>Office too cold while occupied</p>',
      });
      transport.close();

      const mail = await waitFor(async () => (await sink.messages()).find((m) => m.subject === subject), {
        timeoutMs: 5000,
        description: `the mail "${subject}" in the sink`,
      });
      expect(mail.from).toBe('alerts@geopulse.test');
      expect(mail.to).toEqual(['ops@tenant-1.test', 'audit@tenant-1.test']);
      expect(mail.text.trim()).toBe('Office too cold while occupied');
      expect(mail.html).toContain('<p>Office too cold while occupied</p>');
      expect(mail.headers.subject).toBe(subject);
      expect(await sink.messages({ to: 'audit@tenant-1.test' })).toContainEqual(mail);
    });

    it('accepts authenticated senders and survives a restart (outage tests)', async () => {
      const sink = new SmtpSinkClient(env('SMTP_SINK_URL'));
      const control = componentControl(stackDir(), 'smtp');
      await control.stop();
      const url = new URL(env('SMTP_URL'));
      url.username = 'notifier';
      url.password = 'secret';
      const transport = nodemailer.createTransport(url.toString());
      await expect(transport.sendMail({ from: 'a@x.test', to: 'b@x.test', subject: 'down', text: '.' })).rejects.toThrow();
      await control.start();
      const subject = `after restart ${randomUUID()}`;
      await transport.sendMail({ from: 'a@x.test', to: 'b@x.test', subject, text: '.' });
      transport.close();
      expect((await sink.messages()).map((m) => m.subject)).toContain(subject);
      await sink.clear();
      expect(await sink.messages()).toEqual([]);
    });
  });

  describe('otlp collector', () => {
    it('stores posted OTLP JSON and serves it by trace id, hex or base64 ids alike', async () => {
      const query = new OtlpQueryClient(env('OTLP_QUERY_URL'));
      const traceId = randomBytes(16).toString('hex');
      const rootId = randomBytes(8);
      const childId = randomBytes(8).toString('hex');
      const payload = {
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'ingest' } }] },
            scopeSpans: [
              {
                scope: { name: 'stack-it' },
                spans: [
                  {
                    traceId,
                    spanId: rootId.toString('hex'),
                    name: 'POST /v1/telemetry',
                    kind: 2,
                    startTimeUnixNano: '1795485591038000000',
                    endTimeUnixNano: '1795485591048000000',
                    attributes: [{ key: 'http.response.status_code', value: { intValue: '202' } }],
                  },
                  {
                    traceId: Buffer.from(traceId, 'hex').toString('base64'),
                    spanId: childId,
                    parentSpanId: rootId.toString('base64'),
                    name: 'geopulse.telemetry.v1 publish',
                    kind: 'SPAN_KIND_PRODUCER',
                    startTimeUnixNano: '1795485591040000000',
                    endTimeUnixNano: '1795485591045000000',
                    attributes: [{ key: 'messaging.system', value: { stringValue: 'kafka' } }],
                  },
                ],
              },
            ],
          },
        ],
      };
      const response = await fetch(`${env('OTEL_EXPORTER_OTLP_ENDPOINT')}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({});

      const spans = await query.trace(traceId);
      expect(spans.map((s) => [s.name, s.kind, s.serviceName, s.parentSpanId])).toEqual([
        ['POST /v1/telemetry', 'SERVER', 'ingest', null],
        ['geopulse.telemetry.v1 publish', 'PRODUCER', 'ingest', rootId.toString('hex')],
      ]);
      expect(spans[0].attributes).toEqual({ 'http.response.status_code': 202 });
      expect(await query.spans({ service: 'ingest', name: 'geopulse.telemetry.v1 publish' })).toContainEqual(spans[1]);

      const protobuf = await fetch(`${env('OTEL_EXPORTER_OTLP_ENDPOINT')}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: Buffer.from([0x0a, 0x00]),
      });
      expect(protobuf.status).toBe(415);
      expect(await protobuf.text()).toContain('JSON');
    });

    it('receives what the OpenTelemetry OTLP/HTTP exporter sends', async () => {
      // The exporter loads node:http with a dynamic import(), which Jest's VM refuses: run it in
      // a plain Node process, as the services do.
      const script = `
        const { SpanKind, SpanStatusCode } = require('@opentelemetry/api');
        const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
        const { resourceFromAttributes } = require('@opentelemetry/resources');
        const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
        const provider = new BasicTracerProvider({
          resource: resourceFromAttributes({ 'service.name': 'stack-it-exporter' }),
          spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter())],
        });
        const span = provider.getTracer('stack-it').startSpan('parent', {
          kind: SpanKind.CONSUMER,
          attributes: { 'tenant.id': 't-1', retry: false, attempt: 3 },
        });
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
        span.end();
        provider.forceFlush().then(() => provider.shutdown()).then(() => console.log(JSON.stringify(span.spanContext())));
      `;
      // OTEL_EXPORTER_OTLP_ENDPOINT comes from the stack; the exporter appends /v1/traces.
      const { stdout } = await execFileAsync(process.execPath, ['-e', script], { cwd: repoRoot, env: process.env });
      const context = JSON.parse(stdout) as { traceId: string; spanId: string };

      const query = new OtlpQueryClient(env('OTLP_QUERY_URL'));
      const [span] = await waitFor(
        async () => {
          const spans = await query.trace(context.traceId);
          return spans.length > 0 ? spans : undefined;
        },
        { timeoutMs: 5000, description: `trace ${context.traceId} in the collector` },
      );
      expect(span).toMatchObject({
        traceId: context.traceId,
        spanId: context.spanId,
        parentSpanId: null,
        name: 'parent',
        kind: 'CONSUMER',
        serviceName: 'stack-it-exporter',
        scope: 'stack-it',
        attributes: { 'tenant.id': 't-1', retry: false, attempt: 3 },
        status: { code: 'ERROR', message: 'boom' },
      });
    });
  });

  it('mosquitto refuses anonymous clients and devices it cannot verify, and lets the service account read telemetry only', async () => {
    const refusal = (options: mqtt.IClientOptions) =>
      mqtt.connectAsync(env('MQTT_URL'), { reconnectPeriod: 0, protocolVersion: 5, ...options }).then(
        async (client) => {
          await client.endAsync(true);
          return 'connected';
        },
        (err: { code?: number }) => err.code,
      );
    expect(await refusal({})).toBe(135);
    // No ingest listens on MQTT_AUTH_PORT in this suite: the plugin fails closed.
    expect(await refusal({ username: 'acme:van-1', password: 'gpk_0123456789abcdef_secret' })).toBe(135);
    expect(await refusal({ username: env('MQTT_USERNAME'), password: 'wrong' })).toBe(135);

    const bridge = await mqtt.connectAsync(env('MQTT_URL'), { reconnectPeriod: 0, protocolVersion: 5, username: env('MQTT_USERNAME'), password: env('MQTT_PASSWORD') });
    try {
      const subscribe = (filter: string) => bridge.subscribeAsync(filter, { qos: 1 }).then((granted) => granted[0]?.qos, (err: { code?: number; packet?: { granted?: number[] } }) => err.packet?.granted?.[0] ?? err.code);
      expect(await subscribe(`$share/it-${randomUUID().slice(0, 8)}/devices/+/telemetry`)).toBe(1);
      expect(await subscribe('#')).toBe(135);
      expect(await subscribe('devices/+/commands')).toBe(135);
    } finally {
      await bridge.endAsync();
    }
  });
});
