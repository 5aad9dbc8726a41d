import type { ParsedMail } from 'mailparser';

/** One message as the SMTP sink stores it and serves it at GET /messages. */
export interface ReceivedMail {
  id: string;
  /** Envelope sender (MAIL FROM), falling back to the From header's address. */
  from: string;
  /** Envelope recipients (RCPT TO: includes Bcc), falling back to the To/Cc header addresses. */
  to: string[];
  subject: string;
  text: string;
  html: string | null;
  /** Lower-case header names; repeated headers joined with ", ". The full From/To headers are here. */
  headers: Record<string, string>;
  receivedAt: string;
}

export interface SmtpEnvelope {
  mailFrom: string | undefined;
  rcptTo: string[];
}

function headerAddresses(parsed: ParsedMail, header: 'from' | 'to' | 'cc'): string[] {
  const value = parsed[header];
  if (!value) return [];
  const objects = Array.isArray(value) ? value : [value];
  return objects.flatMap((object) => object.value.flatMap((address) => (address.address ? [address.address] : [])));
}

function flatHeaders(parsed: ParsedMail): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { key, line } of parsed.headerLines) {
    const colon = line.indexOf(':');
    const value = (colon >= 0 ? line.slice(colon + 1) : line).replace(/\r?\n[ \t]+/g, ' ').trim();
    headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
  }
  return headers;
}

export function toReceivedMail(
  parsed: ParsedMail,
  envelope: SmtpEnvelope,
  id: string,
  receivedAt: Date,
): ReceivedMail {
  const headerTo = [...headerAddresses(parsed, 'to'), ...headerAddresses(parsed, 'cc')];
  return {
    id,
    from: envelope.mailFrom || headerAddresses(parsed, 'from')[0] || '',
    to: envelope.rcptTo.length > 0 ? envelope.rcptTo : headerTo,
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : null,
    headers: flatHeaders(parsed),
    receivedAt: receivedAt.toISOString(),
  };
}
