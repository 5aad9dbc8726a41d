import { BlockList, isIP } from 'node:net';

/**
 * Where webhooks may go. By default only public unicast addresses: loopback, private,
 * link-local (which holds the cloud metadata endpoints), carrier-grade NAT, multicast and
 * reserved ranges are refused, for every address the host name resolves to. An allow-list
 * of addresses or CIDR ranges (NOTIFIER_WEBHOOK_ALLOW) opens specific ones, e.g. 127.0.0.1
 * in tests or an internal receiver in production.
 */
export type AddressClass = 'public' | 'metadata' | 'loopback' | 'link-local' | 'private' | 'reserved' | 'multicast';

/** AWS/GCP/Azure IMDS, the ECS task metadata endpoint and Alibaba's. */
const METADATA = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200']);

function list(entries: Array<[string, number, 'ipv4' | 'ipv6']>): BlockList {
  const bl = new BlockList();
  for (const [net, prefix, type] of entries) bl.addSubnet(net, prefix, type);
  return bl;
}

const RANGES: Array<[Exclude<AddressClass, 'public' | 'metadata'>, BlockList]> = [
  ['loopback', list([['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']])],
  ['link-local', list([['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6']])],
  ['private', list([['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['100.64.0.0', 10, 'ipv4'], ['fc00::', 7, 'ipv6']])],
  ['multicast', list([['224.0.0.0', 4, 'ipv4'], ['ff00::', 8, 'ipv6']])],
  [
    'reserved',
    list([
      ['0.0.0.0', 8, 'ipv4'],
      ['192.0.0.0', 24, 'ipv4'],
      ['192.0.2.0', 24, 'ipv4'],
      ['198.18.0.0', 15, 'ipv4'],
      ['198.51.100.0', 24, 'ipv4'],
      ['203.0.113.0', 24, 'ipv4'],
      ['240.0.0.0', 4, 'ipv4'],
      ['::', 128, 'ipv6'],
      ['2001:db8::', 32, 'ipv6'],
      ['100::', 64, 'ipv6'],
    ]),
  ],
];

/** Normalises IPv4-mapped IPv6 (::ffff:a.b.c.d) to IPv4 so it cannot slip past the IPv4 ranges. */
function normalise(address: string): { address: string; type: 'ipv4' | 'ipv6' } {
  const lower = address.toLowerCase().replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return { address: mapped[1], type: 'ipv4' };
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hexMapped) {
    const hi = parseInt(hexMapped[1], 16);
    const lo = parseInt(hexMapped[2], 16);
    return { address: `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, type: 'ipv4' };
  }
  return { address: lower, type: isIP(lower) === 4 ? 'ipv4' : 'ipv6' };
}

const METADATA_V6 = list([['fd00:ec2::254', 128, 'ipv6']]);

export function classifyAddress(raw: string): AddressClass {
  const { address, type } = normalise(raw);
  if (type === 'ipv4' ? METADATA.has(address) : METADATA_V6.check(address, 'ipv6')) return 'metadata';
  for (const [cls, bl] of RANGES) if (bl.check(address, type)) return cls;
  return 'public';
}

/** Addresses and CIDR ranges that are allowed even though their class is refused. */
export class AddressAllowList {
  private readonly list = new BlockList();
  readonly entries: readonly string[];

  constructor(entries: readonly string[]) {
    this.entries = entries;
    for (const entry of entries) {
      const [net, prefix] = entry.split('/');
      const type = isIP(net) === 6 ? 'ipv6' : 'ipv4';
      if (isIP(net) === 0) throw new Error(`"${entry}" is not an IP address or CIDR range`);
      if (prefix === undefined) this.list.addAddress(net, type);
      else {
        const bits = Number(prefix);
        if (!Number.isInteger(bits) || bits < 0 || bits > (type === 'ipv4' ? 32 : 128)) throw new Error(`"${entry}" has an invalid prefix length`);
        this.list.addSubnet(net, bits, type);
      }
    }
  }

  allows(raw: string): boolean {
    const { address, type } = normalise(raw);
    return this.list.check(address, type);
  }
}

export type UrlVerdict =
  | { ok: true; host: string; addresses: string[] }
  | { ok: false; code: 'WEBHOOK_URL_INVALID' | 'WEBHOOK_HOST_UNRESOLVED' | 'WEBHOOK_ADDRESS_REFUSED'; message: string; address?: string; addressClass?: AddressClass };

const CLASS_TEXT: Record<Exclude<AddressClass, 'public'>, string> = {
  metadata: 'a cloud metadata address',
  loopback: 'a loopback address',
  'link-local': 'a link-local address',
  private: 'a private address',
  reserved: 'a reserved address',
  multicast: 'a multicast address',
};

/** Resolves the URL's host (all addresses) and checks each one. `resolve` is DNS (a port). */
export async function checkWebhookUrl(rawUrl: string, resolve: (host: string) => Promise<string[]>, allow: AddressAllowList): Promise<UrlVerdict> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { ok: false, code: 'WEBHOOK_URL_INVALID', message: 'is not a URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, code: 'WEBHOOK_URL_INVALID', message: 'must use http or https' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch (err) {
      return { ok: false, code: 'WEBHOOK_HOST_UNRESOLVED', message: `host ${host} does not resolve (${(err as Error).message})` };
    }
    if (addresses.length === 0) return { ok: false, code: 'WEBHOOK_HOST_UNRESOLVED', message: `host ${host} has no addresses` };
  }
  for (const address of addresses) {
    const cls = classifyAddress(address);
    if (cls !== 'public' && !allow.allows(address)) {
      const via = address === host ? '' : ` (${host} resolves to it)`;
      return { ok: false, code: 'WEBHOOK_ADDRESS_REFUSED', message: `${address} is ${CLASS_TEXT[cls]}${via}; webhooks may not target it`, address, addressClass: cls };
    }
  }
  return { ok: true, host, addresses };
}
