import { readFileSync } from 'node:fs';
import { Inject, Injectable, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { IPublishPacket, MqttClient, Packet } from 'mqtt';
import { JsonLogger, metric, type ComponentLogger } from '@geopulse/observability';
import { LOGGER } from '@geopulse/service-runtime';
import type { DeviceCommands } from '../../application/device-commands';
import type { CommandChannel } from '../../application/ports';
import type { CommandPayload } from '../../domain/command';
import { deviceOfAckTopic, MQTT_COMMAND_ACK_FILTER, mqttCommandTopic } from '../../domain/mqtt-topic';
import type { MqttSettings } from '../../config';
import { MQTT_SETTINGS } from '../../application/tokens';
import { connectBridgeSession, publisherOf } from './telemetry.bridge';

const published = metric.counter('geopulse_ingest_commands_published_total', 'Command publishes to devices, by outcome (delivered, no-subscriber, failed)', ['outcome']);
const acks = metric.counter('geopulse_ingest_command_acks_total', 'Command acknowledgements from devices, by outcome', ['outcome']);
const NO_MATCHING_SUBSCRIBERS = 0x10;

/**
 * The command side of the MQTT bridge, one session per replica: publishes each command at
 * QoS 1 to `devices/<tenant>:<device>/commands` and reads acknowledgements from the shared
 * subscription `$share/<group>/devices/+/commands/ack`, each acknowledged to the broker only
 * after it is stored (docs/decisions/0106).
 */
@Injectable()
export class MqttCommandChannel implements CommandChannel, OnApplicationBootstrap, OnApplicationShutdown {
  private client: MqttClient | undefined;
  private commands: DeviceCommands | undefined;
  private readonly log: ComponentLogger;
  /** PUBACK reason codes by message id, read before mqtt.js completes the publish. */
  private readonly pubackCodes = new Map<number, number>();

  constructor(
    @Optional() @Inject(MQTT_SETTINGS) private readonly settings: MqttSettings | null,
    @Inject(LOGGER) logger: JsonLogger,
  ) {
    this.log = logger.child('mqtt-commands');
  }

  get enabled(): boolean {
    return this.settings !== null && this.settings !== undefined;
  }

  /** Where acknowledgements go (set once by the module: the use case also needs this channel). */
  attach(commands: DeviceCommands): void {
    this.commands = commands;
  }

  onApplicationBootstrap(): void {
    const settings = this.settings;
    if (!settings) return;
    const ca = settings.caFile ? readFileSync(settings.caFile) : undefined;
    const filter = `$share/${settings.shareGroup}/${MQTT_COMMAND_ACK_FILTER}`;
    const client = connectBridgeSession(settings, `${settings.clientIdPrefix}-commands`, ca, {
      customHandleAcks: (topic, message, packet, done) => {
        void this.handleAck(topic, message, packet).then(
          () => done(0),
          (err: Error) => this.log.warn('acknowledgement left unacknowledged; the broker redelivers it', { error: err.message }),
        );
      },
    });
    client.on('packetreceive', (packet: Packet) => {
      if (packet.cmd === 'puback' && packet.messageId !== undefined) this.pubackCodes.set(packet.messageId, packet.reasonCode ?? 0);
    });
    client.on('connect', () => {
      client.subscribe(filter, { qos: 1 }, (err) => {
        if (err) this.log.error('subscribe to acknowledgements failed', { error: err.message });
      });
    });
    client.on('error', (err) => this.log.warn('mqtt error', { error: err.message }));
    this.client = client;
  }

  health(): { ok: boolean; error?: string } {
    if (!this.settings) return { ok: true };
    return this.client?.connected ? { ok: true } : { ok: false, error: 'MQTT command connection down' };
  }

  async onApplicationShutdown(): Promise<void> {
    const client = this.client;
    if (!client || !this.settings) return;
    if (client.connected) await client.unsubscribeAsync(`$share/${this.settings.shareGroup}/${MQTT_COMMAND_ACK_FILTER}`).catch(() => undefined);
    await client.endAsync(false, { reasonCode: 0, properties: { sessionExpiryInterval: 0 } }).catch(() => undefined);
  }

  deliver(tenantId: string, deviceId: string, payload: CommandPayload): Promise<'delivered' | 'no-subscriber'> {
    const client = this.client;
    if (!client?.connected) {
      published.inc({ outcome: 'failed' });
      return Promise.reject(new Error('MQTT command connection down'));
    }
    return new Promise((resolve, reject) => {
      client.publish(
        mqttCommandTopic(tenantId, deviceId),
        JSON.stringify(payload),
        { qos: 1, properties: { contentType: 'application/json', messageExpiryInterval: secondsUntil(payload.expiresAt) } },
        (err, packet) => {
          const id = packet?.messageId;
          const code = id === undefined ? undefined : this.pubackCodes.get(id);
          if (id !== undefined) this.pubackCodes.delete(id);
          if (err) {
            published.inc({ outcome: 'failed' });
            reject(err);
            return;
          }
          const outcome = code === NO_MATCHING_SUBSCRIBERS ? 'no-subscriber' : 'delivered';
          published.inc({ outcome });
          resolve(outcome);
        },
      );
    });
  }

  private async handleAck(topic: string, message: Buffer, packet: IPublishPacket): Promise<void> {
    const device = deviceOfAckTopic(topic);
    const identity = publisherOf(packet, this.settings?.identityProperty);
    if (!device || (identity.checked && identity.publisher !== `${device.tenantId}:${device.deviceId}`)) {
      acks.inc({ outcome: 'PUBLISHER_MISMATCH' });
      this.log.warn('acknowledgement ignored: the publisher is not the topic\'s device', { topic });
      return;
    }
    if (!this.commands) throw new Error('not attached yet');
    const outcome = await this.commands.acknowledge(device.tenantId, device.deviceId, message);
    if (outcome.kind === 'acknowledged') {
      acks.inc({ outcome: 'acknowledged' });
      return;
    }
    acks.inc({ outcome: outcome.reason });
    this.log.warn('acknowledgement ignored', { tenant: device.tenantId, device: device.deviceId, reason: outcome.reason, detail: outcome.detail });
  }
}

/** The MQTT 5 message expiry: the broker drops a command still queued for an offline device once it has expired. */
function secondsUntil(iso: string): number {
  return Math.max(1, Math.ceil((Date.parse(iso) - Date.now()) / 1000));
}
