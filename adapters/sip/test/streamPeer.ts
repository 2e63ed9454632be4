// A hand-driven SIP peer on one TCP or TLS socket, for tests that must see the connection itself: the
// messages it received (framed as the adapter frames them), what it sends, and when the socket closes.
import type { Socket } from 'node:net';
import { waitFor } from '../../../test/harness/sip/processes.ts';
import { defaultMessageLimits, statelessResponse } from '../src/transport/MessageGuard.ts';
import { SipStreamFramer } from '../src/transport/SipStreamFramer.ts';
import { parseWireMessage, type SipWireMessage } from '../src/transport/SipWireMessage.ts';

export interface StreamPeer {
  readonly socket: Socket;
  readonly received: SipWireMessage[];
  /** True once the socket closed (from either side). */
  readonly closed: boolean;
  send(text: string): void;
  /** The first message received (from `since` on) that `match` accepts. */
  next(
    match: (message: SipWireMessage) => boolean,
    options?: { since?: number; timeoutMs?: number },
  ): Promise<SipWireMessage>;
  /** Answers a request statelessly (Via, From, To with a tag, Call-ID, CSeq copied). */
  reply(request: SipWireMessage, status: number, reason: string, headers?: readonly string[]): void;
  waitClosed(timeoutMs?: number): Promise<void>;
}

export function streamPeer(socket: Socket): StreamPeer {
  const received: SipWireMessage[] = [];
  const framer = new SipStreamFramer(defaultMessageLimits);
  let closed = false;
  socket.on('data', (data) => {
    for (const item of framer.push(data)) {
      if (item.kind !== 'message') continue;
      const message = parseWireMessage(item.data.toString('utf8'));
      if (message) received.push(message);
    }
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closed = true;
  });
  return {
    socket,
    received,
    get closed() {
      return closed;
    },
    send: (text) => socket.write(text),
    next: (match, options = {}) =>
      waitFor(
        'a matching SIP message',
        () => received.slice(options.since ?? 0).find(match),
        options.timeoutMs ?? 10_000,
      ),
    reply(request, status, reason, headers = []) {
      const response = statelessResponse(request, status, reason, headers);
      if (response) socket.write(response);
    },
    waitClosed: (timeoutMs = 10_000) =>
      waitFor('the connection to close', () => closed || undefined, timeoutMs).then(() => undefined),
  };
}
