import { DeviceError } from '../domain/device-error';
import { AuthenticateMqttClient } from './authenticate-mqtt-client';

const keys: Record<string, { tenantId: string; deviceId: string; keyId: string } | DeviceError> = {
  'gpk_a_good': { tenantId: 'acme', deviceId: 'van-1', keyId: 'a' },
  'gpk_b_revoked': new DeviceError('REVOKED_DEVICE_KEY', 'this device key was revoked'),
};
const sut = new AuthenticateMqttClient({
  execute: async (token: string) => {
    const found = keys[token] ?? new DeviceError('UNKNOWN_DEVICE_KEY', 'the device key is not valid');
    if (found instanceof DeviceError) throw found;
    return found;
  },
});

describe('AuthenticateMqttClient', () => {
  it('lets a device in with its own key', async () => {
    await expect(sut.execute('acme:van-1', 'gpk_a_good')).resolves.toEqual({ ok: true, tenantId: 'acme', deviceId: 'van-1' });
  });

  it('refuses a valid key presented for another device or tenant', async () => {
    await expect(sut.execute('acme:van-2', 'gpk_a_good')).resolves.toMatchObject({ ok: false, reason: 'WRONG_DEVICE' });
    await expect(sut.execute('other:van-1', 'gpk_a_good')).resolves.toMatchObject({ ok: false, reason: 'WRONG_DEVICE' });
  });

  it('refuses a username that names no device, before verifying any key', async () => {
    for (const username of ['van-1', 'a:b:c', 'acme:', '+:#', 'acme:van/1']) {
      await expect(sut.execute(username, 'gpk_a_good')).resolves.toMatchObject({ ok: false, reason: 'BAD_USERNAME' });
    }
  });

  it('passes the key verdict through (revoked, unknown)', async () => {
    await expect(sut.execute('acme:van-1', 'gpk_b_revoked')).resolves.toMatchObject({ ok: false, reason: 'REVOKED_DEVICE_KEY' });
    await expect(sut.execute('acme:van-1', 'wrong')).resolves.toMatchObject({ ok: false, reason: 'UNKNOWN_DEVICE_KEY' });
  });

  it('lets a registry failure surface (the broker refuses; nothing is decided on an outage)', async () => {
    const broken = new AuthenticateMqttClient({ execute: async () => Promise.reject(new Error('dynamodb down')) });
    await expect(broken.execute('acme:van-1', 'gpk_a_good')).rejects.toThrow('dynamodb down');
  });
});
