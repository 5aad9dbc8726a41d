import type { Device } from './device';

/**
 * Device keys: `gpk_<keyId>_<secret>`. The key id (public, 16 hex characters) locates the
 * stored record; the secret (32 random bytes, base64url) is shown once and stored only as a
 * salted scrypt hash.
 */
export const DEVICE_KEY_PREFIX = 'gpk_';
const KEY_FORMAT = /^gpk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ParsedDeviceKey {
  keyId: string;
  secret: string;
}

export function isDeviceKeyToken(token: string): boolean {
  return token.startsWith(DEVICE_KEY_PREFIX);
}

export function parseDeviceKey(token: string): ParsedDeviceKey | undefined {
  const match = KEY_FORMAT.exec(token);
  return match ? { keyId: match[1], secret: match[2] } : undefined;
}

export function formatDeviceKey(keyId: string, secret: string): string {
  return `${DEVICE_KEY_PREFIX}${keyId}_${secret}`;
}

/** Why a device key does not authenticate; mapped to 401/403 at the edges. */
export type KeyRejection = 'UNKNOWN_DEVICE_KEY' | 'REVOKED_DEVICE_KEY' | 'EXPIRED_DEVICE_KEY' | 'DEVICE_DISABLED' | 'DEVICE_DELETED';

/** What the key store holds for one key: where it points and the salted hash of its secret. */
export interface StoredDeviceKey {
  keyId: string;
  tenantId: string;
  deviceId: string;
  hash: string;
  salt: string;
  createdAt: string;
}

/**
 * Whether a key whose secret matched still opens its device at `now`. The device record is
 * the one source of truth: its key list says which keys are live (and until when), and a
 * deleted device (undefined) or a disabled one lets no key in.
 */
export function keyAccess(device: Device | undefined, keyId: string, now: number): 'ok' | KeyRejection {
  if (!device) return 'DEVICE_DELETED';
  const info = device.keys.find((k) => k.keyId === keyId);
  if (!info) return 'REVOKED_DEVICE_KEY';
  if (info.expiresAt !== undefined && Date.parse(info.expiresAt) <= now) return 'EXPIRED_DEVICE_KEY';
  if (!device.enabled) return 'DEVICE_DISABLED';
  return 'ok';
}
