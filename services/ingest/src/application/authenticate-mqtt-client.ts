import { DeviceError } from '../domain/device-error';
import { deviceOfClientName } from '../domain/mqtt-topic';
import type { AuthenticateDevice } from './authenticate-device';

/** Why a broker must refuse an MQTT client (the metric's reason label). */
export type MqttRefusal = 'BAD_USERNAME' | 'WRONG_DEVICE' | DeviceError['code'];

export type MqttClientVerdict = { ok: true; tenantId: string; deviceId: string } | { ok: false; reason: MqttRefusal; message: string };

/**
 * The broker's question "may this MQTT client connect (or keep publishing)?": the username
 * names the device as `<tenantId>:<deviceId>` and the password is that device's key, verified
 * exactly as `POST /v1/telemetry` does (cache, rotation grace, revocation, disable, delete).
 * Another device's valid key is refused: a key only speaks for its own device.
 */
export class AuthenticateMqttClient {
  constructor(private readonly authenticateDevice: Pick<AuthenticateDevice, 'execute'>) {}

  async execute(username: string, password: string): Promise<MqttClientVerdict> {
    const claimed = deviceOfClientName(username);
    if (!claimed) return { ok: false, reason: 'BAD_USERNAME', message: 'the username must be <tenantId>:<deviceId>' };
    try {
      const device = await this.authenticateDevice.execute(password);
      if (device.tenantId !== claimed.tenantId || device.deviceId !== claimed.deviceId) {
        return { ok: false, reason: 'WRONG_DEVICE', message: 'the key belongs to another device' };
      }
      return { ok: true, tenantId: device.tenantId, deviceId: device.deviceId };
    } catch (err) {
      if (err instanceof DeviceError) return { ok: false, reason: err.code, message: err.message };
      throw err;
    }
  }
}
