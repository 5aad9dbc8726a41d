/** One Server-Sent Events message: `event`, optional `id`, one `data` line of JSON. */
export function sseMessage(event: string, data: unknown, id?: string): string {
  // JSON.stringify never emits a raw newline, so one data line always suffices.
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Why the server ended a stream (the last `close` event names it). */
export const CLOSE_REASONS = ['slow-consumer', 'shutdown'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];
