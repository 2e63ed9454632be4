// sip.js's WebSocket transport with TLS options for `wss://`: trusted CAs and a client certificate. sip.js
// builds the WebSocket itself, with the global constructor (Node's, which takes no TLS options), inside the
// synchronous part of `connect()`. For the length of that call only, the global is a `ws` WebSocket bound to
// our options; nothing else can run in between, so other WebSockets of the process never see it.
import { Web } from 'sip.js';
import WebSocket from 'ws';

export interface WebSocketTlsOptions {
  /** Trusted CAs (PEM) for the server's certificate; default Node's bundled roots. */
  readonly ca?: string;
  /** Our client certificate and key (PEM), for servers that ask for one. */
  readonly cert?: string;
  readonly key?: string;
  /** Verify the server's certificate (default true; off only for tests against self-signed servers). */
  readonly rejectUnauthorized?: boolean;
}

export interface WebSocketTlsTransportOptions extends Web.TransportOptions {
  readonly tls: WebSocketTlsOptions;
}

type SipJsLogger = ConstructorParameters<typeof Web.Transport>[0];

export class WebSocketTlsTransport extends Web.Transport {
  readonly #socketClass: new (
    address: string,
    protocols?: string | string[],
  ) => WebSocket;

  constructor(logger: SipJsLogger, options: WebSocketTlsTransportOptions) {
    super(logger, options);
    const { ca, cert, key, rejectUnauthorized } = options.tls;
    const tls = {
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      rejectUnauthorized: rejectUnauthorized ?? true,
    };
    this.#socketClass = class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, tls);
      }
    };
  }

  override connect(): Promise<void> {
    const scope = globalThis as { WebSocket: unknown };
    const builtin = scope.WebSocket;
    scope.WebSocket = this.#socketClass;
    try {
      return super.connect();
    } finally {
      scope.WebSocket = builtin;
    }
  }
}
