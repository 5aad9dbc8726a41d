import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { classifyAddress, type AddressAllowList } from '../../domain/url-policy';

export class RefusedAddressError extends Error {
  constructor(readonly address: string) {
    super(`${address} is not a public address (resolved at connect time); webhooks may not target it`);
    this.name = 'RefusedAddressError';
  }
}

/**
 * A DNS lookup for sockets that refuses non-public addresses unless allow-listed: the check
 * happens on the very addresses the connection uses, so a name that resolves to a public
 * address when the URL is checked and to 169.254.169.254 a moment later (DNS rebinding)
 * still cannot reach it.
 */
export function policyLookup(allowList: AddressAllowList): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true, verbatim: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const refused = addresses.find((a) => classifyAddress(a.address) !== 'public' && !allowList.allows(a.address));
      if (refused) return callback(new RefusedAddressError(refused.address), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

export interface PostAnswer {
  status: number;
  location?: string;
}

// Keep-alive pools: a reused socket was connected to an address the lookup had checked.
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });

/** POST with the policy lookup and a deadline for the whole exchange; the response body is drained and ignored. */
export function postWithPolicy(url: URL, headers: Record<string, string>, body: string, timeoutMs: number, lookup: LookupFunction): Promise<PostAnswer> {
  return new Promise((resolve, reject) => {
    const https = url.protocol === 'https:';
    const send = https ? httpsRequest : httpRequest;
    const req = send(url, { agent: https ? httpsAgent : httpAgent, method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body).toString() }, lookup, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
