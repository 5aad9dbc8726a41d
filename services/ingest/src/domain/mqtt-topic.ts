import { ID_PATTERN } from '@geopulse/contracts';

/**
 * MQTT telemetry topics name tenant and device in one level: `devices/<tenantId>:<deviceId>/telemetry`
 * (neither id may contain `:`), so the bridge's shared subscription `devices/+/telemetry` sees
 * every device and the broker's ACL can bind a client to its own topic (docs/decisions/0101).
 */
export const MQTT_TELEMETRY_FILTER = 'devices/+/telemetry';

export function mqttTelemetryTopic(tenantId: string, deviceId: string): string {
  return `devices/${tenantId}:${deviceId}/telemetry`;
}

export interface DeviceRef {
  tenantId: string;
  deviceId: string;
}

/** `<tenantId>:<deviceId>`: a device's MQTT username, and the level its topics share. */
export function deviceOfClientName(name: string): DeviceRef | undefined {
  const match = /^([^/:]+):([^/:]+)$/.exec(name);
  if (!match || !ID_PATTERN.test(match[1]) || !ID_PATTERN.test(match[2])) return undefined;
  return { tenantId: match[1], deviceId: match[2] };
}

export function deviceOfTopic(topic: string): DeviceRef | undefined {
  const match = /^devices\/([^/]+)\/telemetry$/.exec(topic);
  return match ? deviceOfClientName(match[1]) : undefined;
}

/** Where the bridge reads every device's command acknowledgements (shared among replicas). */
export const MQTT_COMMAND_ACK_FILTER = 'devices/+/commands/ack';

/** Where a device receives its commands (QoS 1). */
export function mqttCommandTopic(tenantId: string, deviceId: string): string {
  return `devices/${tenantId}:${deviceId}/commands`;
}

export function deviceOfAckTopic(topic: string): DeviceRef | undefined {
  const match = /^devices\/([^/]+)\/commands\/ack$/.exec(topic);
  return match ? deviceOfClientName(match[1]) : undefined;
}
