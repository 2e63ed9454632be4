// Timestamps at the gateway process's edges, without touching adapter code: SIP datagrams as the UDP socket
// hands them to JS or is given them to send, and chat frames as the `ws` socket (the SDK's XMPP transport in
// Node) emits them or is given them to send. Patches the prototypes in this process only; `untap()` restores.
import dgram from 'node:dgram';
import { createRequire } from 'node:module';

export type WireKind = 'sip-in' | 'sip-out' | 'chat-in' | 'chat-out';

export interface WireEvent {
  /** `performance.now()` when the message crossed the edge. */
  readonly at: number;
  /** CPU time (user + system, all threads) the process had used by then, in ms: the work, not the waits. */
  readonly cpu: number;
  readonly kind: WireKind;
  readonly text: string;
}

export interface WireFilter {
  /** Which messages are worth their text (the rest are not decoded): cheap tests on the raw bytes. */
  readonly sip: (firstBytes: string) => boolean;
  readonly chat: (text: string) => boolean;
}

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
type Send = (this: unknown, data: unknown, ...args: unknown[]) => unknown;

const asText = (data: unknown): string =>
  typeof data === 'string'
    ? data
    : Buffer.isBuffer(data)
      ? data.toString('latin1')
      : Array.isArray(data)
        ? data.map(asText).join('')
        : data instanceof Uint8Array
          ? Buffer.from(data).toString('latin1')
          : '';

/** The `ws` module the connectycube SDK imports (its own dependency, resolved from the SDK's location). */
function sdkWebSocket(): { prototype: { send: Send; emit: Emit } } {
  const fromTest = createRequire(import.meta.url);
  const sdk = fromTest.resolve('connectycube');
  return createRequire(sdk)('ws') as { prototype: { send: Send; emit: Emit } };
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export function tapWires(filter: WireFilter, record: (event: WireEvent) => void): () => void {
  const udp = dgram.Socket.prototype as unknown as { emit: Emit; send: Send };
  const ws = sdkWebSocket().prototype;
  const original = { udpEmit: udp.emit, udpSend: udp.send, wsEmit: ws.emit, wsSend: ws.send };
  const head = (data: unknown): string =>
    Buffer.isBuffer(data) ? data.toString('latin1', 0, 16) : asText(data).slice(0, 16);

  udp.emit = function (this: unknown, event, ...args) {
    if (event === 'message' && filter.sip(head(args[0])))
      record({ at: performance.now(), cpu: cpuMs(), kind: 'sip-in', text: asText(args[0]) });
    return original.udpEmit.call(this, event, ...args);
  };
  udp.send = function (this: unknown, data, ...args) {
    if (filter.sip(head(data)))
      record({ at: performance.now(), cpu: cpuMs(), kind: 'sip-out', text: asText(data) });
    return original.udpSend.call(this, data, ...args);
  };
  ws.emit = function (this: unknown, event, ...args) {
    if (event === 'message') {
      const at = performance.now();
      const cpu = cpuMs();
      const text = asText(args[0]);
      if (filter.chat(text)) record({ at, cpu, kind: 'chat-in', text });
    }
    return original.wsEmit.call(this, event, ...args);
  };
  ws.send = function (this: unknown, data, ...args) {
    const at = performance.now();
    const cpu = cpuMs();
    const text = asText(data);
    if (filter.chat(text)) record({ at, cpu, kind: 'chat-out', text });
    return original.wsSend.call(this, data, ...args);
  };
  return () => {
    udp.emit = original.udpEmit;
    udp.send = original.udpSend;
    ws.emit = original.wsEmit;
    ws.send = original.wsSend;
  };
}
