// Turns the host and port of a SIP URI into a socket address: literal IPs as they are, names through
// DNS SRV (`_sip._udp`, `_sip._tcp`, `_sips._tcp`; RFC 3263 §4.2) when no port is given, then A/AAAA.
import { lookup, resolveSrv } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface SocketAddress {
  readonly address: string;
  readonly port: number;
}

export async function resolveSipTarget(
  host: string,
  port: number | undefined,
  protocol: 'udp' | 'tcp' | 'tls',
): Promise<SocketAddress> {
  const defaultPort = protocol === 'tls' ? 5061 : 5060;
  if (isIP(host)) return { address: host, port: port ?? defaultPort };
  let target = { name: host, port: port ?? defaultPort };
  if (port === undefined) {
    const service = protocol === 'tls' ? '_sips._tcp' : `_sip._${protocol}`;
    const records = await resolveSrv(`${service}.${host}`).catch(() => []);
    const best = records.sort((a, b) => a.priority - b.priority || b.weight - a.weight)[0];
    if (best) target = { name: best.name, port: best.port };
  }
  const { address } = await lookup(target.name);
  return { address, port: target.port };
}
