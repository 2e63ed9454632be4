// Turns the host and port of a SIP URI into the socket addresses to try, in order (RFC 3263 §4): literal IPs
// as they are; with a port, the name's A/AAAA records (§4.2: no SRV); without one, the SRV records of
// `_sip._udp`, `_sip._tcp` or `_sips._tcp` ordered by priority and weight (RFC 2782), each target's
// addresses in turn, and the name's own A/AAAA records when there is no SRV. NAPTR is not consulted.
// Answers are cached: addresses for their TTL, SRV sets for `srvCacheSec` (Node's resolver gives no SRV TTL).
import type { SrvRecord } from 'node:dns';
import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface SocketAddress {
  readonly address: string;
  readonly port: number;
}

export type SipProtocol = 'udp' | 'tcp' | 'tls';

export interface SipDnsOptions {
  /**
   * DNS servers to ask (`'192.0.2.53'`, `'127.0.0.1:5353'`, `'[::1]:53'`). Default: the system's
   * (`/etc/resolv.conf`), with `/etc/hosts` consulted for names the DNS does not know.
   */
  readonly servers?: readonly string[];
  /** Time for one query, ms (default 2000), and attempts per server (default 2). */
  readonly timeoutMs?: number;
  readonly tries?: number;
  /** Cache answers (default true): A/AAAA for their TTL, capped at `maxCacheSec`. */
  readonly cache?: boolean;
  /** How long an SRV answer is kept, seconds (default 30): Node's resolver does not report SRV TTLs. */
  readonly srvCacheSec?: number;
  /** Upper bound on any cached answer, seconds (default 3600). */
  readonly maxCacheSec?: number;
}

/** A name that leads to no address: the message says what was asked and what came back. */
export class SipResolveError extends Error {
  override readonly name = 'SipResolveError';
}

interface CacheEntry<T> {
  readonly value: T;
  readonly expiresAt: number;
}

const defaultPort = (protocol: SipProtocol): number => (protocol === 'tls' ? 5061 : 5060);
const srvService = (protocol: SipProtocol): string =>
  protocol === 'tls' ? '_sips._tcp' : `_sip._${protocol}`;

export class SipResolver {
  readonly #resolver: Resolver;
  readonly #options: SipDnsOptions;
  readonly #systemFallback: boolean;
  readonly #cache = new Map<string, CacheEntry<unknown>>();

  constructor(options: SipDnsOptions = {}) {
    this.#options = options;
    this.#resolver = new Resolver({ timeout: options.timeoutMs ?? 2000, tries: options.tries ?? 2 });
    if (options.servers?.length) this.#resolver.setServers([...options.servers]);
    this.#systemFallback = !options.servers?.length;
  }

  /**
   * The addresses to try for `host`/`port` over `protocol`, best first; never empty.
   * @throws SipResolveError when no address can be found.
   */
  async resolve(host: string, port: number | undefined, protocol: SipProtocol): Promise<SocketAddress[]> {
    if (isIP(host)) return [{ address: host, port: port ?? defaultPort(protocol) }];
    const name = host.replace(/\.$/, '').toLowerCase();
    const service = `${srvService(protocol)}.${name}`;
    const records = port === undefined ? await this.#srv(service) : [];
    if (records.length === 0) {
      const addresses = await this.#addresses(name);
      if (addresses.kind === 'failed') {
        const srvPart = port === undefined ? `no SRV records for ${service}, ` : '';
        throw new SipResolveError(
          `cannot resolve ${host} for SIP over ${protocol.toUpperCase()}: ${srvPart}no A/AAAA records for ${name} (${addresses.reason})`,
        );
      }
      return addresses.list.map((address) => ({ address, port: port ?? defaultPort(protocol) }));
    }
    // RFC 2782: a target of "." means the service is decidedly not available at this domain.
    if (records.length === 1 && (records[0]?.name === '' || records[0]?.name === '.')) {
      throw new SipResolveError(`cannot resolve ${host}: ${service} says the service is not offered`);
    }
    const targets = await Promise.all(
      orderSrv(records).map(async (record) => ({ record, addresses: await this.#addresses(record.name) })),
    );
    const found = targets.flatMap(({ record, addresses }) =>
      addresses.kind === 'found' ? addresses.list.map((address) => ({ address, port: record.port })) : [],
    );
    if (found.length === 0) {
      const why = targets.map(({ record, addresses }) =>
        addresses.kind === 'failed' ? `${record.name}: ${addresses.reason}` : '',
      );
      throw new SipResolveError(
        `cannot resolve ${host}: no SRV target of ${service} has an A/AAAA record (${why.join(', ')})`,
      );
    }
    return found;
  }

  async #srv(service: string): Promise<SrvRecord[]> {
    const cached = this.#cached<SrvRecord[]>(`SRV ${service}`);
    if (cached) return cached;
    // RFC 3263 §4.2: whatever keeps the SRV query from answering, the client goes on with A/AAAA.
    const records = await this.#resolver.resolveSrv(service).catch(() => []);
    this.#remember(`SRV ${service}`, records, this.#options.srvCacheSec ?? 30);
    return records;
  }

  /** A records first, then AAAA (the transports bind IPv4 unless told otherwise). */
  async #addresses(
    name: string,
  ): Promise<{ kind: 'found'; list: string[] } | { kind: 'failed'; reason: string }> {
    const cached = this.#cached<string[]>(`ADDR ${name}`);
    if (cached) return { kind: 'found', list: cached };
    const [v4, v6] = await Promise.allSettled([
      this.#resolver.resolve4(name, { ttl: true }),
      this.#resolver.resolve6(name, { ttl: true }),
    ]);
    const records = [
      ...(v4.status === 'fulfilled' ? v4.value : []),
      ...(v6.status === 'fulfilled' ? v6.value : []),
    ];
    if (records.length > 0) {
      this.#remember(
        `ADDR ${name}`,
        records.map((record) => record.address),
        Math.min(...records.map((record) => record.ttl)),
      );
      return { kind: 'found', list: records.map((record) => record.address) };
    }
    if (this.#systemFallback) {
      // Names the DNS does not know may still be in /etc/hosts (getaddrinfo); no TTL there, so no cache.
      const local = await lookup(name, { all: true }).catch(() => []);
      if (local.length > 0) return { kind: 'found', list: local.map((entry) => entry.address) };
    }
    const error = v4.status === 'rejected' ? (v4.reason as NodeJS.ErrnoException) : undefined;
    return { kind: 'failed', reason: error?.code ?? 'no records' };
  }

  #cached<T>(key: string): T | undefined {
    const entry = this.#cache.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > Date.now()) return entry.value as T;
    this.#cache.delete(key);
    return undefined;
  }

  #remember(key: string, value: unknown, ttlSec: number): void {
    if (this.#options.cache === false) return;
    const seconds = Math.min(ttlSec, this.#options.maxCacheSec ?? 3600);
    if (seconds > 0) this.#cache.set(key, { value, expiresAt: Date.now() + seconds * 1000 });
  }
}

/** RFC 2782: lowest priority first; within a priority, a weighted random order (weight 0 rarely first). */
export function orderSrv(records: readonly SrvRecord[], random: () => number = Math.random): SrvRecord[] {
  const byPriority = new Map<number, SrvRecord[]>();
  for (const record of records)
    byPriority.set(record.priority, [...(byPriority.get(record.priority) ?? []), record]);
  const ordered: SrvRecord[] = [];
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    // Zero weights first, as the RFC's selection algorithm asks, so they keep their small chance.
    const pool = (byPriority.get(priority) ?? []).sort((a, b) => a.weight - b.weight);
    while (pool.length > 0) {
      const total = pool.reduce((sum, record) => sum + record.weight, 0);
      const pick = Math.floor(random() * (total + 1));
      let running = 0;
      let index = pool.findIndex((record) => {
        running += record.weight;
        return running >= pick;
      });
      if (index < 0) index = pool.length - 1;
      ordered.push(...pool.splice(index, 1));
    }
  }
  return ordered;
}
