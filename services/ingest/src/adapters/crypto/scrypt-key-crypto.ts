import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { KeyCrypto } from '../../application/ports';

/** scrypt N=2^15, r=8, p=1 (OWASP's minimum for scrypt), 64-byte hash, 16-byte salt. */
const PARAMS: ScryptOptions = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const HASH_BYTES = 64;

function derive(secret: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, HASH_BYTES, PARAMS, (err, key) => (err ? reject(err) : resolve(key))));
}

/** Random key material from the OS, secrets hashed with scrypt (node:crypto, off the event loop). */
export class ScryptKeyCrypto implements KeyCrypto {
  newKeyId(): string {
    return randomBytes(8).toString('hex');
  }

  newSecret(): string {
    return randomBytes(32).toString('base64url');
  }

  async hash(secret: string): Promise<{ hash: string; salt: string }> {
    const salt = randomBytes(16);
    return { hash: (await derive(secret, salt)).toString('base64'), salt: salt.toString('base64') };
  }

  async verify(secret: string, stored: { hash: string; salt: string }): Promise<boolean> {
    const expected = Buffer.from(stored.hash, 'base64');
    const actual = await derive(secret, Buffer.from(stored.salt, 'base64'));
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  fingerprint(token: string): string {
    return createHash('sha256').update(token).digest('base64');
  }
}
