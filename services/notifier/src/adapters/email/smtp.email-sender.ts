import { createTransport, type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type { EmailMessage, EmailSender } from '../../application/ports';
import type { AttemptOutcome } from '../../domain/delivery';
import type { NotifierSettings } from '../../config';

/**
 * Email over SMTP with nodemailer's pooled transport (SMTP_URL; smtps:// is TLS from the
 * start, smtp:// upgrades with STARTTLS when offered, or must when SMTP_REQUIRE_TLS). A 5xx
 * SMTP answer is final; connection errors, timeouts and 4xx answers are retried.
 */
export class SmtpEmailSender implements EmailSender {
  private readonly transport: Transporter<SMTPPool.SentMessageInfo>;
  private readonly domain: string;

  constructor(private readonly settings: NotifierSettings['smtp']) {
    const options: SMTPPool.Options = {
      url: settings.url,
      pool: true,
      maxConnections: settings.maxConnections,
      connectionTimeout: settings.timeoutMs,
      greetingTimeout: settings.timeoutMs,
      socketTimeout: settings.timeoutMs,
      requireTLS: settings.requireTls,
      tls: { rejectUnauthorized: settings.rejectUnauthorized },
    };
    this.transport = createTransport(options);
    this.domain = /@([^>\s]+)>?$/.exec(settings.from)?.[1] ?? 'geopulse.local';
  }

  async send(message: EmailMessage): Promise<AttemptOutcome> {
    try {
      await this.transport.sendMail({
        from: this.settings.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: `<${encodeURIComponent(message.messageId)}@${this.domain}>`,
        headers: message.headers,
      });
      return { kind: 'delivered' };
    } catch (err) {
      const e = err as Error & { responseCode?: number; code?: string };
      const error = `SMTP ${e.responseCode ?? e.code ?? 'error'}: ${e.message}`.slice(0, 500);
      return e.responseCode !== undefined && e.responseCode >= 500 ? { kind: 'permanent', error } : { kind: 'retryable', error };
    }
  }

  close(): void {
    this.transport.close();
  }
}
