import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures. Every request carries
 *   `X-Geopulse-Timestamp: <unix seconds>` and
 *   `X-Geopulse-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`.
 * A receiver recomputes the HMAC over the timestamp header, a dot and the exact body bytes,
 * compares in constant time, and rejects timestamps older than a few minutes (replays).
 */
export const SIGNATURE_HEADERS = { timestamp: 'x-geopulse-timestamp', signature: 'x-geopulse-signature' } as const;

export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

/** What a receiver does (and what the tests do): true when the signature and timestamp check out. */
export function verifyWebhookSignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const ts = Number(headers.timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowSeconds - ts) > toleranceSeconds || !headers.signature) return false;
  const expected = Buffer.from(signWebhook(secret, ts, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
