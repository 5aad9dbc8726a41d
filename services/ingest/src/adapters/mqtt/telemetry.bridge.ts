import { readFileSync } from 'node:fs';
import { Inject, Injectable, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { deadLetterRecord, EventProducer } from '@geopulse/kafka';
import { JsonLogger, metric, type ComponentLogger } from '@geopulse/observability';
import { LOGGER } from '@geopulse/service-runtime';
import { AcceptMqttMessage, type MqttDeadLetterReason, type MqttOutcome, type PublisherIdentity } from '../../application/accept-mqtt-message';
import { MQTT_TELEMETRY_FILTER } from '../../domain/mqtt-topic';
import type { MqttSettings } from '../../config';
import { rejectedReadings } from '../ingest-metrics';
import { acceptedReadings, duplicateReadings } from '../http/telemetry.controller';
import { mqttRefusals } from './mqtt-refusals';
import { MQTT_SETTINGS } from '../../application/tokens';

const deadLettered = metric.counter('geopulse_ingest_mqtt_dead_lettered_total', 'MQTT messages sent to the dead-letter topic, by reason', ['reason']);
const retried = metric.counter('geopulse_ingest_mqtt_retries_total', 'MQTT messages held unacknowledged and retried, by reason', ['reason']);

/**
 * One persistent MQTT 5 session of the bridge's service account (clean: false, the configured
 * session expiry and receive maximum), acknowledging each message itself (customHandleAcks).
 */
export function connectBridgeSession(settings: MqttSettings, clientId: string, ca: Buffer | undefined, options: Pick<IClientOptions, 'customHandleAcks'>): MqttClient {
  return mqtt.connect(settings.url, {
    clientId,
    username: settings.username,
    password: settings.password,
    ...(ca ? { ca } : {}),
    protocolVersion: 5,
    clean: false,
    properties: { sessionExpiryInterval: settings.sessionExpirySeconds, receiveMaximum: settings.maxInFlight },
    reconnectPeriod: 1000,
    connectTimeout: 5000,
    resubscribe: false,
    ...options,
  });
}

/** The publisher the broker names in the configured user property (one value; several mean a forgery). */
export function publisherOf(packet: IPublishPacket, property: string | undefined): PublisherIdentity {
  if (!property) return { checked: false };
  const value = packet.properties?.userProperties?.[property];
  return { checked: true, publisher: typeof value === 'string' ? value : Array.isArray(value) ? '' : undefined };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The MQTT bridge: `$share/<group>/devices/+/telemetry` at QoS 1 over MQTT 5 on
 * MQTT_CONNECTIONS persistent sessions. A message is acknowledged (PUBACK) only after Kafka
 * acknowledged its readings or its dead-letter copy; until then it is held, so a crash makes
 * the broker redeliver it to the session when it reconnects (docs/decisions/0101).
 */
@Injectable()
export class MqttTelemetryBridge implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly clients: MqttClient[] = [];
  private readonly log: ComponentLogger;
  private stopping = false;
  private inFlight = 0;

  constructor(
    @Optional() @Inject(MQTT_SETTINGS) private readonly settings: MqttSettings | null,
    @Inject(AcceptMqttMessage) private readonly acceptMessage: AcceptMqttMessage,
    private readonly producer: EventProducer,
    @Inject(LOGGER) logger: JsonLogger,
  ) {
    this.log = logger.child('mqtt');
  }

  async onApplicationBootstrap(): Promise<void> {
    const settings = this.settings;
    if (!settings) return;
    // The CA is read once here; a missing file stops the start-up with its path (never the password).
    const ca = settings.caFile ? readFileSync(settings.caFile) : undefined;
    for (let i = 0; i < settings.connections; i++) {
      const clientId = `${settings.clientIdPrefix}-${i}`;
      const client = connectBridgeSession(settings, clientId, ca, {
        customHandleAcks: (topic, message, packet, done) => {
          this.inFlight++;
          void this.handle(topic, message, packet)
            .then(
              () => done(0),
              (err: Error) => this.log.warn('message left unacknowledged', { error: err.message }),
            )
            .finally(() => this.inFlight--);
        },
      });
      client.on('connect', (connack) => {
        this.log.info('connected', { clientId, sessionPresent: connack.sessionPresent === true });
        // Always (re)subscribe: a kept session may have been unsubscribed by a graceful stop.
        client.subscribe(`$share/${settings.shareGroup}/${MQTT_TELEMETRY_FILTER}`, { qos: 1 }, (err) => {
          if (err) this.log.error('subscribe failed', { error: err.message });
        });
      });
      client.on('error', (err) => this.log.warn('mqtt error', { error: err.message }));
      this.clients.push(client);
    }
  }

  /** Ready when every connection is up (messages flow). */
  health(): { ok: boolean; error?: string } {
    if (!this.settings) return { ok: true };
    const down = this.clients.filter((c) => !c.connected).length;
    return down === 0 ? { ok: true } : { ok: false, error: `${down} of ${this.clients.length} MQTT connections down` };
  }

  /**
   * Graceful stop: unsubscribe (the broker routes new messages to the other replicas), let the
   * messages in hand finish, then end the sessions so they hold nothing. If some message is
   * still unacknowledged at the deadline the sessions are kept: the broker redelivers it when
   * this replica (same client ids) comes back. A crash keeps the sessions the same way.
   */
  async onApplicationShutdown(): Promise<void> {
    if (!this.settings || this.clients.length === 0) return;
    const filter = `$share/${this.settings.shareGroup}/${MQTT_TELEMETRY_FILTER}`;
    await Promise.all(this.clients.map((c) => (c.connected ? c.unsubscribeAsync(filter).catch(() => undefined) : undefined)));
    const deadline = Date.now() + 5000;
    while (this.inFlight > 0 && Date.now() < deadline) await sleep(50);
    this.stopping = true;
    const drained = this.inFlight === 0;
    if (!drained) this.log.warn('stopping with unacknowledged messages; the broker keeps them for this replica', { inFlight: this.inFlight });
    await Promise.all(
      this.clients.map((c) =>
        c.endAsync(!drained, drained ? { reasonCode: 0, properties: { sessionExpiryInterval: 0 } } : {}).catch(() => undefined),
      ),
    );
  }

  private async handle(topic: string, message: Buffer, packet: IPublishPacket): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.stopping) throw new Error('shutting down');
      const outcome: MqttOutcome = await this.acceptMessage.execute(topic, message, this.publisherOf(packet)).catch((err: Error) => ({ kind: 'retry' as const, afterMs: 1000, reason: err.message }));
      if (outcome.kind === 'accepted') {
        acceptedReadings.inc({ transport: 'mqtt' }, outcome.result.accepted);
        if (outcome.result.duplicates > 0) duplicateReadings.inc({ transport: 'mqtt' }, outcome.result.duplicates);
        return;
      }
      if (outcome.kind === 'refused') {
        mqttRefusals.inc({ reason: outcome.reason });
        this.log.warn('message refused', { reason: outcome.reason, detail: outcome.detail });
        return;
      }
      if (outcome.kind === 'dead-letter') {
        try {
          await this.deadLetter(topic, message, packet, outcome.reason, outcome.detail);
          rejectedReadings.inc({ reason: outcome.reason, transport: 'mqtt' });
          deadLettered.inc({ reason: outcome.reason });
          return;
        } catch {
          retried.inc({ reason: 'DEAD_LETTER_FAILED' });
          await sleep(1000);
          continue;
        }
      }
      retried.inc({ reason: outcome.reason.slice(0, 40) });
      if (attempt % 10 === 0) this.log.warn('holding message, will retry', { reason: outcome.reason, attempt });
      await sleep(Math.min(outcome.afterMs, 5000));
    }
  }

  private publisherOf(packet: IPublishPacket): PublisherIdentity {
    return publisherOf(packet, this.settings?.identityProperty);
  }

  private async deadLetter(topic: string, message: Buffer, packet: IPublishPacket, reason: MqttDeadLetterReason, detail: string): Promise<void> {
    const raw = { key: topic, value: message, headers: { 'content-type': packet.properties?.contentType ?? 'application/json' } };
    await this.producer.publishRaw(this.producer.topic('deadLetter'), [deadLetterRecord(raw, { reason, detail, topic: `mqtt:${topic}` })]);
  }
}
