import { simpleParser } from 'mailparser';
import { toReceivedMail } from './received-mail';

const RAW = [
  'From: Geopulse <alerts@geopulse.test>',
  'To: Ops <ops@tenant-1.test>',
  'Cc: lead@tenant-1.test',
  'Subject: Office too cold',
  'X-Geopulse-Alert: cold-office',
  'Received: from a',
  'Received: from b',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Temperature 18 C while occupied.',
  '',
].join('\r\n');

describe('toReceivedMail', () => {
  it('uses the SMTP envelope for from and to (Bcc recipients included)', async () => {
    const mail = toReceivedMail(
      await simpleParser(RAW),
      { mailFrom: 'bounce@geopulse.test', rcptTo: ['ops@tenant-1.test', 'audit@tenant-1.test'] },
      'id-1',
      new Date('2026-11-22T10:00:00.000Z'),
    );
    expect(mail).toEqual({
      id: 'id-1',
      from: 'bounce@geopulse.test',
      to: ['ops@tenant-1.test', 'audit@tenant-1.test'],
      subject: 'Office too cold',
      text: 'Temperature 18 C while occupied.\n',
      html: null,
      headers: expect.objectContaining({
        from: 'Geopulse <alerts@geopulse.test>',
        'x-geopulse-alert': 'cold-office',
        received: 'from a, from b',
      }),
      receivedAt: '2026-11-22T10:00:00.000Z',
    });
  });

  it('falls back to the header addresses without an envelope', async () => {
    const mail = toReceivedMail(await simpleParser(RAW), { mailFrom: undefined, rcptTo: [] }, 'id-2', new Date());
    expect(mail.from).toBe('alerts@geopulse.test');
    expect(mail.to).toEqual(['ops@tenant-1.test', 'lead@tenant-1.test']);
  });
});
