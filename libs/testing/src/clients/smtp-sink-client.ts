import type { ReceivedMail } from '../servers/received-mail';
import { requestJson, trimSlash } from './http-json-client';

/** Reads and clears what the SMTP sink received (SMTP_SINK_URL). */
export class SmtpSinkClient {
  private readonly baseUrl: string;

  constructor(url: string = process.env.SMTP_SINK_URL ?? '') {
    if (!url) throw new Error('SmtpSinkClient needs the sink URL (SMTP_SINK_URL)');
    this.baseUrl = trimSlash(url);
  }

  /** Every stored message, oldest first; only those delivered to `to` when given. */
  async messages(filter: { to?: string } = {}): Promise<ReceivedMail[]> {
    const query = filter.to ? `?to=${encodeURIComponent(filter.to)}` : '';
    return (await requestJson<ReceivedMail[]>('GET', `${this.baseUrl}/messages${query}`)) ?? [];
  }

  async clear(): Promise<void> {
    await requestJson('DELETE', `${this.baseUrl}/messages`);
  }
}
