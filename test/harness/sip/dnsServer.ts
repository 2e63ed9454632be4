// A small authoritative DNS server for tests, on 127.0.0.1 (UDP, free port): answers A, AAAA and SRV from a
// record list the test controls (changeable while running), NXDOMAIN for names it does not have, NODATA for
// names that have only other types, and counts the questions it was asked.
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';

export type TestDnsRecord =
  | { readonly type: 'A'; readonly name: string; readonly address: string; readonly ttl?: number }
  | { readonly type: 'AAAA'; readonly name: string; readonly address: string; readonly ttl?: number }
  | {
      readonly type: 'SRV';
      readonly name: string;
      readonly priority: number;
      readonly weight: number;
      readonly port: number;
      readonly target: string;
      readonly ttl?: number;
    };

export interface TestDnsServer {
  /** `127.0.0.1:port`, as `dns: { servers: [...] }` takes it. */
  readonly server: string;
  records: TestDnsRecord[];
  /** How many times `type name` was asked, e.g. `queries('SRV', '_sip._udp.pbx.test')`. */
  queries(type: string, name: string): number;
  /** Every question so far, as `TYPE name`. */
  readonly asked: readonly string[];
  close(): Promise<void>;
}

export async function startDnsServer(records: TestDnsRecord[]): Promise<TestDnsServer> {
  const socket = dgram.createSocket('udp4');
  const asked: string[] = [];
  const state = { records };
  socket.on('message', (message, remote) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return; // not DNS: nothing to answer
    }
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase();
    asked.push(`${question.type} ${name}`);
    const known = state.records.filter((record) => record.name.toLowerCase() === name);
    const answers = known.filter((record) => record.type === question.type).map((record) => toAnswer(record));
    const response = dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      // Authoritative answer (0x0400), recursion desired copied; NXDOMAIN (rcode 3) for unknown names.
      flags: 0x0400 | ((query.flags ?? 0) & 0x0100) | (known.length === 0 ? 3 : 0),
      questions: [question],
      answers,
    });
    socket.send(response, remote.port, remote.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return {
    server: `127.0.0.1:${socket.address().port}`,
    get records() {
      return state.records;
    },
    set records(next: TestDnsRecord[]) {
      state.records = next;
    },
    queries: (type, name) => asked.filter((entry) => entry === `${type} ${name.toLowerCase()}`).length,
    asked,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function toAnswer(record: TestDnsRecord): dnsPacket.Answer {
  const ttl = record.ttl ?? 300;
  if (record.type === 'SRV') {
    return {
      type: 'SRV',
      name: record.name,
      ttl,
      data: { priority: record.priority, weight: record.weight, port: record.port, target: record.target },
    };
  }
  return { type: record.type, name: record.name, ttl, data: record.address };
}
