import { lookup } from 'node:dns/promises';
import type { HostResolver } from '../../application/ports';

/** Every address the system resolver gives for a host (IPv4 and IPv6), as fetch would see them. */
export const systemHostResolver: HostResolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
