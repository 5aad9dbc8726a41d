/**
 * Opaque page cursors for list APIs over DynamoDB queries: the last item's key attributes
 * as base64url JSON. Only string attributes survive decoding; anything else (a tampered or
 * foreign cursor) decodes to undefined, which callers treat as "from the start".
 */
export function encodePageCursor(key: Readonly<Record<string, string>>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodePageCursor(cursor: string | undefined): Record<string, string> | undefined {
  if (!cursor) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const entries = Object.entries(parsed as Record<string, unknown>);
    if (entries.some(([, v]) => typeof v !== 'string')) return undefined;
    return Object.fromEntries(entries) as Record<string, string>;
  } catch {
    return undefined;
  }
}
