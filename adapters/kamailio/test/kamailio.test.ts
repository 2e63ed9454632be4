// The Kamailio profile against the kamailio.cfg it ships (started on free ports): accounts register over
// WebSocket (the default) and over UDP with the profile's defaults filled in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Kamailio, startKamailio } from '../../../test/harness/sip/kamailio.ts';
import { waitFor } from '../../../test/harness/sip/processes.ts';
import { recordingContext } from '../../sip/test/support.ts';
import { kamailio, kamailioAdapterOptions } from '../src/index.ts';

describe('Kamailio profile', () => {
  let server: Kamailio;
  beforeAll(async () => {
    server = await startKamailio({ auth: true });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('fills in WebSocket on 8080 and UDP on 5060 by default', () => {
    const options = kamailioAdapterOptions({
      host: 'sip.example.com',
      accounts: [{ user: '1001', password: 'p' }],
    });
    expect(options.accounts?.[0]).toMatchObject({
      aor: 'sip:1001@sip.example.com',
      transport: { kind: 'ws', server: 'ws://sip.example.com:8080' },
    });
    const udp = kamailioAdapterOptions({
      host: 'sip.example.com',
      transport: 'udp',
      accounts: [{ user: '1001' }],
    });
    expect(udp.accounts?.[0]).toMatchObject({
      transport: { kind: 'udp' },
      registrar: 'sip:sip.example.com:5060',
    });
  });

  for (const transport of ['ws', 'udp'] as const) {
    it(`registers accounts to the shipped kamailio.cfg over ${transport}`, async () => {
      const recorder = recordingContext();
      const adapter = kamailio({
        host: '127.0.0.1',
        transport,
        wsPort: server.wsPort,
        udpPort: server.udpPort,
        accounts: [
          { user: `k${transport}1`, password: 'secret' },
          { user: `k${transport}2`, password: 'secret' },
        ],
      });
      try {
        await adapter.start(recorder.context);
        await waitFor('both accounts registered', () => {
          const names = recorder.events.flatMap((event) =>
            event.type === 'registration.registered' ? [event.account] : [],
          );
          return names.includes(`k${transport}1`) && names.includes(`k${transport}2`);
        });
      } finally {
        await adapter.stop();
      }
      expect(recorder.events.some((event) => event.type === 'registration.failed')).toBe(false);
    });
  }
});
