// SIP over secure WebSocket to a server that demands a client certificate (mutual TLS), with a test CA:
// an account with `tls: { ca, cert, key }` registers and the server sees its certificate; without a client
// certificate the handshake is refused and the registration fails; without the CA the server is not trusted.
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { makeTestCertificates } from '../../../test/harness/sip/certificates.ts';
import { waitFor } from '../../../test/harness/sip/processes.ts';
import { sipAdapter, type WebSocketTlsOptions } from '../src/index.ts';
import { statelessResponse } from '../src/transport/MessageGuard.ts';
import { firstHeader, parseWireMessage } from '../src/transport/SipWireMessage.ts';
import { recordingContext } from './support.ts';

describe('WSS with a client certificate', () => {
  // The server's certificate doubles as the client's: both are issued by the test CA (no usage restriction).
  const certificates = makeTestCertificates();
  let server: Server;
  let url = '';
  const clients: { subject: string | undefined; authorized: boolean }[] = [];
  const refusedHandshakes: string[] = [];
  let registers = 0;

  beforeAll(async () => {
    server = createServer({
      cert: certificates.cert,
      key: certificates.key,
      ca: certificates.ca,
      requestCert: true,
      rejectUnauthorized: true,
    });
    server.on('tlsClientError', (error) => refusedHandshakes.push(error.message));
    const sockets = new WebSocketServer({
      server,
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    });
    // A registrar of a few lines: 200 OK (600 s) to every REGISTER.
    sockets.on('connection', (socket, request) => {
      const tlsSocket = request.socket as TLSSocket;
      clients.push({
        subject: String(tlsSocket.getPeerCertificate().subject?.CN),
        authorized: tlsSocket.authorized,
      });
      socket.on('message', (data) => {
        const message = parseWireMessage(data.toString());
        if (message?.method !== 'REGISTER') return;
        registers++;
        const response = statelessResponse(message, 200, 'OK', [
          `Contact: ${firstHeader(message, 'contact')};expires=600`,
        ]);
        if (response) socket.send(response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `wss://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  const account = (name: string, tls: WebSocketTlsOptions | undefined) =>
    sipAdapter({
      accounts: [
        {
          aor: `sip:${name}@127.0.0.1`,
          transport: { kind: 'ws', server: url, ...(tls ? { tls } : {}) },
          keepaliveSec: 0,
          retry: { initialMs: 60_000 },
        },
      ],
    });

  it('registers with the client certificate, which the server verified', async () => {
    const recorder = recordingContext();
    const adapter = account('wendy', { ca: certificates.ca, cert: certificates.cert, key: certificates.key });
    try {
      await adapter.start(recorder.context);
      await recorder.waitEvent('registration.registered');
      expect(clients.at(-1)).toEqual({ subject: '127.0.0.1', authorized: true });
      expect(registers).toBeGreaterThanOrEqual(1);
    } finally {
      await adapter.stop();
    }
  });

  it('without a client certificate the server refuses the handshake and the registration fails', async () => {
    const recorder = recordingContext();
    const connected = clients.length;
    const adapter = account('wanda', { ca: certificates.ca });
    try {
      await adapter.start(recorder.context);
      const failed = await recorder.waitEvent('registration.failed');
      expect(failed.error).toMatch(/connect|connection/i);
      expect(clients.length).toBe(connected);
    } finally {
      await adapter.stop();
    }
  });

  it('with Node’s WebSocket (no `tls`), the test CA is not trusted and the registration fails', async () => {
    const recorder = recordingContext();
    const before = refusedHandshakes.length;
    const connected = clients.length;
    const adapter = account('wilma', undefined);
    try {
      await adapter.start(recorder.context);
      await recorder.waitEvent('registration.failed');
      // The client gave up on the server's certificate: the server sees the handshake fail.
      await waitFor('the refused handshake', () => refusedHandshakes.length > before, 5000);
      expect(clients.length).toBe(connected);
    } finally {
      await adapter.stop();
    }
  });
});
