import { AddressAllowList, checkWebhookUrl, classifyAddress } from './url-policy';

const dns = (table: Record<string, string[]>) => async (host: string) => {
  if (!(host in table)) throw new Error('ENOTFOUND');
  return table[host];
};
const none = new AddressAllowList([]);

describe('classifyAddress', () => {
  it.each([
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['fd00:ec2:0::254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.20.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12::1', 'private'],
    ['0.0.0.0', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['93.184.216.34', 'public'],
    ['2606:4700::1111', 'public'],
  ])('%s is %s', (address, cls) => expect(classifyAddress(address)).toBe(cls));
});

describe('checkWebhookUrl', () => {
  it('refuses a metadata address literally or in another notation, with a precise message', async () => {
    const verdict = await checkWebhookUrl('http://169.254.169.254/latest/meta-data', dns({}), none);
    expect(verdict).toMatchObject({ ok: false, code: 'WEBHOOK_ADDRESS_REFUSED', addressClass: 'metadata', address: '169.254.169.254' });
    expect(await checkWebhookUrl('http://0xA9FEA9FE/', dns({}), none)).toMatchObject({ ok: false, addressClass: 'metadata' });
    expect(await checkWebhookUrl('http://[fd00:ec2::254]/', dns({}), none)).toMatchObject({ ok: false, addressClass: 'metadata' });
  });

  it('checks every address a name resolves to', async () => {
    const resolve = dns({ 'mixed.example': ['93.184.216.34', '10.0.0.5'], 'ok.example': ['93.184.216.34'] });
    expect(await checkWebhookUrl('https://mixed.example/hook', resolve, none)).toMatchObject({ ok: false, address: '10.0.0.5', addressClass: 'private' });
    expect(await checkWebhookUrl('https://ok.example/hook', resolve, none)).toMatchObject({ ok: true });
    expect(await checkWebhookUrl('https://missing.example/hook', resolve, none)).toMatchObject({ ok: false, code: 'WEBHOOK_HOST_UNRESOLVED' });
  });

  it('lets the allow-list open loopback (tests) but nothing else', async () => {
    const allow = new AddressAllowList(['127.0.0.1', '10.8.0.0/16']);
    expect(await checkWebhookUrl('http://127.0.0.1:8080/', dns({}), allow)).toMatchObject({ ok: true });
    expect(await checkWebhookUrl('http://10.8.3.4/', dns({}), allow)).toMatchObject({ ok: true });
    expect(await checkWebhookUrl('http://10.9.0.1/', dns({}), allow)).toMatchObject({ ok: false });
    expect(await checkWebhookUrl('http://169.254.169.254/', dns({}), allow)).toMatchObject({ ok: false });
    expect(() => new AddressAllowList(['not-an-ip'])).toThrow();
  });
});
